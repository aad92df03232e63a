using System.Net;
using System.Text.Json;
using AuthApi.Deletion;
using AuthApi.Features;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Http;

/// <summary>
/// Every operation of each service's OpenAPI document gets hostile bodies, path values and query values,
/// with a valid bearer token and admin key so that they get past auth: no answer is a 5xx (a stream that opens is
/// closed at once). The services
/// listen on Kestrel, as in production: the in-memory test server cannot even send a path with %00.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private ServiceHost<AuthApi.Program> _auth = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApiListening(("Admin:ApiKey", TestAdmin.Key));
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task No_auth_api_endpoint_answers_hostile_input_with_a_5xx()
    {
        await _system.StartSiloAsync(); // the account deletion's endpoints call its grain
        using var http = await SignedInAsync(_auth.Address!);

        await AssertNo5xxAsync(
            http,
            "POST /api/v1/auth/register",
            "POST /api/v1/auth/login",
            "POST /api/v1/auth/refresh",
            "POST /api/v1/auth/logout",
            "PATCH /api/v1/auth/me",
            "POST /api/v1/auth/me/password",
            "DELETE /api/v1/auth/me",
            "GET /api/v1/auth/me/deletion",
            "POST /api/v1/auth/me/deletion/cancel",
            "POST /api/v1/admin/account-deletions/{userId}/retry");
    }

    [Fact]
    public async Task No_todo_consumer_endpoint_answers_hostile_input_with_a_5xx()
    {
        await _system.StartSiloAsync();
        var todos = _system.StartTodoConsumerListening(("Consumer:Enabled", "false"), ("Admin:ApiKey", TestAdmin.Key));
        using var http = await SignedInAsync(todos.Address!);

        await AssertNo5xxAsync(http, "POST /api/v1/todos", "PATCH /api/v1/todos/{id}");
    }

    [Fact]
    public async Task No_notifications_endpoint_answers_hostile_input_with_a_5xx()
    {
        await _system.StartSiloAsync();
        var notifications = _system.StartNotificationsListening(("Consumer:Enabled", "false"), ("Admin:ApiKey", TestAdmin.Key));
        using var http = await SignedInAsync(notifications.Address!);

        await AssertNo5xxAsync(http, "GET /api/v1/notifications", "POST /api/v1/notifications/{id}/read", "GET /api/v1/notifications/stream");
    }

    private async Task<HttpClient> SignedInAsync(Uri service)
    {
        var email = ApiClient.NewEmail();
        using var auth = new HttpClient { BaseAddress = _auth.Address };
        await auth.RegisterOkAsync(email);
        return new HttpClient { BaseAddress = service }.WithToken(await auth.LoginAsync(email, "grey stapler orbit")).WithAdminKey();
    }

    /// <param name="expected">Operations the document must list, so that an empty or renamed document fails instead of passing.</param>
    private static async Task AssertNo5xxAsync(HttpClient http, params string[] expected)
    {
        var operations = ApiOperation.AllIn(JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement);
        Assert.All(expected, name => Assert.Contains(name, operations.Select(o => o.ToString())));

        var failures = new List<string>();
        var sent = 0;
        foreach (var operation in operations)
        {
            foreach (var request in HostileRequests.For(operation))
            {
                using var response = await SendAsync(http, request);
                sent++;
                // A secured operation that answers 401 or 403 never looked at the input: the test would prove nothing. Except
                // the password change's and the account deletion's own 401 for a wrong current password, which every hostile
                // body sends: it comes after the input was read and validated.
                var refused = operation.Secured
                    && response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                    && !(await response.Content.ReadAsStringAsync()).Contains(AccountProblems.WrongPasswordTitle, StringComparison.Ordinal);
                if ((int)response.StatusCode >= 500 || refused)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    failures.Add($"{request.Method} {HostileRequests.Shorten(request.Uri)} with {request.Description}: {(int)response.StatusCode} {HostileRequests.Shorten(body, 400)}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} hostile requests were answered with a 5xx or never got past auth:\n{string.Join('\n', failures)}");
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HostileRequest request)
    {
        var content = new ByteArrayContent(request.Body);
        if (request.ContentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }

        // Headers only: a stream that opens (200 text/event-stream) never ends by itself; disposing the answer closes it.
        return http.SendAsync(new HttpRequestMessage(new HttpMethod(request.Method), request.Uri) { Content = content }, HttpCompletionOption.ResponseHeadersRead);
    }
}
