using System.Net;
using System.Net.Http.Json;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Gateway;

/// <summary>The nginx gateway (deploy/nginx/gateway.conf.template) in front of real AuthApi instances on Kestrel.</summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Requests_spread_over_instances_and_correlation_id_passes_through()
    {
        var first = _system.StartAuthApiListening();
        var second = _system.StartAuthApiListening();
        await using var gateway = await NginxGateway.StartAsync([first.Address!, second.Address!], [first.Address!], upstreamHeader: true);
        using var http = new HttpClient { BaseAddress = gateway.Address };

        var upstreams = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/me");
            request.Headers.Add("x-correlation-id", $"through-the-gateway-{i}");
            var response = await http.SendAsync(request);
            await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Equal($"through-the-gateway-{i}", response.Headers.GetValues("x-correlation-id").Single());
            upstreams.Add(response.Headers.GetValues("X-Upstream").Single());
        }

        Assert.Equal(2, upstreams.Count);
        var registered = await http.PostAsJsonAsync("/api/v1/auth/register", new { email = ApiClient.NewEmail(), password = "grey stapler orbit" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
    }

    [Fact]
    public async Task Notifications_and_their_stream_pass_through_the_gateway_unbuffered()
    {
        await _system.StartSiloAsync();
        var auth = _system.StartAuthApiListening();
        var notifications = _system.StartNotificationsListening();
        await using var gateway = await NginxGateway.StartAsync([auth.Address!], [auth.Address!], notifyInstances: [notifications.Address!]);
        using var http = new HttpClient { BaseAddress = gateway.Address };
        var userId = Guid.NewGuid();
        var token = NotificationEvents.TokenFor(userId);

        await (await http.GetAsync("/api/v1/notifications")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await using var stream = await SseClient.OpenAsync(http, token);
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1, title: "Through nginx"));

        var (id, data) = await stream.NextAsync("the notification through the gateway, as it happens");
        Assert.Equal("Todo \"Through nginx\" created.", data.GetProperty("text").GetString());
        var list = await http.WithToken(token).GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/notifications");
        Assert.Equal(id, list.GetProperty("items")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task An_instance_stopped_mid_run_fails_no_request_beyond_those_in_flight()
    {
        var first = _system.StartAuthApiListening();
        var second = _system.StartAuthApiListening();
        await using var gateway = await NginxGateway.StartAsync([first.Address!, second.Address!], [first.Address!]);
        using var http = new HttpClient { BaseAddress = gateway.Address };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 80; i++)
        {
            if (i == 20)
            {
                await second.StopAsync();
            }

            statuses.Add((await http.GetAsync("/api/v1/auth/me")).StatusCode);
            await Task.Delay(10);
        }

        var failed = statuses.Count(s => s != HttpStatusCode.Unauthorized);
        Assert.True(failed <= 1, $"{failed} of {statuses.Count} requests failed: {string.Join(",", statuses.Select(s => (int)s))}");
    }

    [Fact]
    public async Task Credential_limits_hold_however_the_path_is_spelled()
    {
        var instance = _system.StartAuthApiListening();
        await using var gateway = await NginxGateway.StartAsync([instance.Address!], [instance.Address!], rate: "2r/s", burst: 3);
        string[] spellings =
        [
            "/api/v1/auth/login", "/api/v1/auth/Login", "/API/V1/AUTH/LOGIN", "/api/v1/auth/login/", "/api/v1/auth/%6Cogin",
            "/api/v1/auth/Register", "/api/v1/auth/register/", "/api/v1/auth/%72egister", "/api/v1/auth/Me/Password/",
        ];

        foreach (var path in spellings)
        {
            // Sent byte for byte: HttpClient would decode %6C before sending. 12 at once against a burst of 3: a limited
            // path answers some 429s (all of them once an earlier spelling used up the address's allowance); a path
            // that escaped the limit would answer none.
            var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => RawHttp.PostJsonAsync(gateway.Address, path, "{\"email\": \"\"}")));

            // The service takes every one of these spellings (400 for the empty email, 401 without a token): the limit must too.
            Assert.True(statuses.Contains(HttpStatusCode.TooManyRequests), $"{path}: no 429 in {string.Join(", ", statuses)}");
            Assert.All(statuses, s => Assert.Contains(s, new HttpStatusCode?[] { HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        }

        // A spelling the services answer: once the allowance is back, the same path passes to the service.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(HttpStatusCode.BadRequest, await RawHttp.PostJsonAsync(gateway.Address, "/api/v1/auth/%6Cogin/", "{\"email\": \"\"}"));
    }

    [Fact]
    public async Task Https_serves_the_api_the_version_and_upstreams_stay_hidden_and_auth_answers_are_not_stored()
    {
        var instance = _system.StartAuthApiListening();
        await using var gateway = await NginxGateway.StartAsync([instance.Address!], [instance.Address!]);
        using var https = gateway.CreateTlsClient();
        var email = ApiClient.NewEmail();

        var registered = await https.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "grey stapler orbit" });
        var login = await https.PostAsJsonAsync("/api/v1/auth/login", new { email, password = "grey stapler orbit" });
        var token = (await login.Content.ReadFromJsonAsync<AuthApi.Features.Login.Response>())!.AccessToken;
        var me = await https.WithToken(token).GetAsync("/api/v1/auth/me");

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        foreach (var response in new[] { registered, login, me })
        {
            Assert.Equal("nginx", response.Headers.Server.ToString());
            Assert.False(response.Headers.Contains("X-Upstream"), "the gateway names the instance that answered");
            Assert.True(response.Headers.CacheControl?.NoStore == true, $"{response.RequestMessage!.RequestUri}: Cache-Control is '{response.Headers.CacheControl}'");
        }
    }

    [Fact]
    public async Task Register_and_login_are_rate_limited_per_client_with_a_json_429()
    {
        var instance = _system.StartAuthApiListening();
        await using var gateway = await NginxGateway.StartAsync([instance.Address!], [instance.Address!], rate: "2r/s", burst: 3);
        using var http = new HttpClient { BaseAddress = gateway.Address };

        var responses = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => http.PostAsJsonAsync("/api/v1/auth/login", new { email = "" })));

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests }));
        var problem = await limited[0].AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("Too many requests.", problem.GetProperty("title").GetString());
        Assert.Equal("1", limited[0].Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/auth/me")).StatusCode); // other routes are not limited
    }
}
