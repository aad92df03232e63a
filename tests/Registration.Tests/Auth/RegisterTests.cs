using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuthApi.Features;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

public sealed class RegisterTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Registration_stores_user_and_pending_outbox_event_in_one_go()
    {
        var http = _system.StartAuthApi().CreateClient();

        var response = await http.RegisterAsync("new.user@example.com", "grey stapler orbit", correlationId: "corr-123");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<Register.Response>())!;
        Assert.Equal($"/api/v1/auth/users/{body.UserId}", response.Headers.Location?.ToString());
        Assert.Equal("new.user@example.com", body.Email);
        Assert.Equal("corr-123", body.CorrelationId);
        Assert.Equal("corr-123", response.Headers.GetValues("x-correlation-id").Single());

        var hash = await _system.AuthScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id = body.UserId });
        Assert.DoesNotContain("grey stapler orbit", hash, StringComparison.Ordinal);
        Assert.Equal("PENDING", await _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE event_id = @id", new { id = body.EventId }));

        var payload = JsonDocument.Parse(await _system.AuthScalarAsync<string>("SELECT payload::text FROM outbox WHERE event_id = @id", new { id = body.EventId })).RootElement;
        Assert.Equal(body.EventId, payload.GetProperty("eventId").GetGuid());
        Assert.Equal("USER_REGISTERED", payload.GetProperty("eventType").GetString());
        Assert.Equal(1, payload.GetProperty("version").GetInt32());
        Assert.Equal("corr-123", payload.GetProperty("correlationId").GetString());
        Assert.Equal(body.UserId, payload.GetProperty("data").GetProperty("userId").GetGuid());
        Assert.Equal("new.user@example.com", payload.GetProperty("data").GetProperty("email").GetString());
        Assert.True(payload.TryGetProperty("occurredAt", out _));
        var raw = payload.GetRawText();
        Assert.DoesNotContain("grey stapler orbit", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(hash, raw, StringComparison.Ordinal);

        var headers = JsonDocument.Parse(await _system.AuthScalarAsync<string>("SELECT headers::text FROM outbox WHERE event_id = @id", new { id = body.EventId })).RootElement;
        Assert.Equal("corr-123", headers.GetProperty("x-correlation-id").GetString());
        // Flags: sampled (01) and W3C Trace Context Level 2's random-trace-id (02), set since OpenTelemetry 1.21 runs in every service.
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$", headers.GetProperty("traceparent").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has spaces in it")]
    [InlineData("semi;colon")]
    [InlineData("an-id-that-is-much-too-long-to-be-accepted-as-a-correlation-id-because-it-goes-on-and-on-and-on-well-past-the-limit-of-one-hundred-and-twenty-eight-characters")]
    public async Task Malformed_correlation_id_is_replaced_by_a_new_one(string offered)
    {
        var http = _system.StartAuthApi().CreateClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register") { Content = JsonContent.Create(new { email = ApiClient.NewEmail(), password = "grey stapler orbit" }) };
        request.Headers.TryAddWithoutValidation("x-correlation-id", offered);

        var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var echoed = response.Headers.GetValues("x-correlation-id").Single();
        Assert.NotEqual(offered, echoed);
        Assert.True(Guid.TryParse(echoed, out _), $"expected a new GUID correlation id, got '{echoed}'");
        var body = (await response.Content.ReadFromJsonAsync<Register.Response>())!;
        Assert.Equal(echoed, body.CorrelationId);
    }

    [Fact]
    public async Task Database_unreachable_gives_503_and_writes_nothing()
    {
        var http = _system.StartAuthApi().CreateClient();
        await http.RegisterOkAsync();

        _system.AuthDatabaseProxy.Cut();
        var response = await http.RegisterAsync("during.outage@example.com", "grey stapler orbit");
        _system.AuthDatabaseProxy.Restore();

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter is not null, "503 must say when to retry");
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE email = 'during.outage@example.com'"));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox"));
        await http.RegisterOkAsync("during.outage@example.com");
    }

    [Fact]
    public async Task Hashing_overload_gets_fast_503_with_retry_after_not_a_pile_up()
    {
        var http = _system.StartAuthApi(
            ("PasswordHashing:MaxConcurrency", "1"),
            ("PasswordHashing:QueueLimit", "0"),
            ("PasswordHashing:WorkFactor", "14")).CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.RegisterAsync(ApiClient.NewEmail(), "grey stapler orbit")));

        var created = responses.Count(r => r.StatusCode == HttpStatusCode.Created);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
        Assert.True(created >= 1, "at least one registration gets the hashing slot");
        Assert.True(refused.Count >= 1, $"with one slot and no queue, concurrent registrations beyond it are refused; got {string.Join(", ", responses.Select(r => (int)r.StatusCode))}");
        Assert.Equal(6, created + refused.Count);
        foreach (var response in refused)
        {
            await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(response.Headers.RetryAfter);
        }

        Assert.Equal((long)created, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
        Assert.Equal((long)created, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox"));
    }
}
