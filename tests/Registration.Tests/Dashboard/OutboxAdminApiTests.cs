using System.Net;
using System.Text.Json;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>GET /api/v1/admin/outbox against a real database and broker.</summary>
public sealed class OutboxAdminApiTests : IAsyncLifetime
{
    private static readonly TimeSpan BucketWait = TimeSpan.FromSeconds(25); // a 10 s bucket has to complete first

    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Outbox_view_shows_the_backlog_while_no_relay_runs_and_the_drain_once_one_does()
    {
        var writer = _system.StartAuthApi(TestAdmin.Settings); // no silo runs yet: nothing relays
        var admin = writer.CreateClient().WithAdminKey();
        var http = writer.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            await http.RegisterOkAsync();
        }

        var view = await admin.GetJsonAsync("/api/v1/admin/outbox");
        Assert.Equal(3, view.Long("pending"));
        Assert.InRange(view.GetProperty("oldestPendingAgeSeconds").GetDouble(), 0, 30);
        Assert.Equal(0, view.Long("sentLastMinute"));
        Assert.Equal(JsonValueKind.Null, view.GetProperty("publishLatencyMs").GetProperty("p50").ValueKind);
        var buckets = view.GetProperty("buckets").EnumerateArray().ToList();
        Assert.Equal(30, buckets.Count);
        var starts = buckets.Select(b => b.GetProperty("start").GetDateTimeOffset()).ToList();
        Assert.All(starts, s => Assert.Equal(0, s.ToUnixTimeSeconds() % 10));
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(10), pair.Second - pair.First));

        await Eventually.ReturnsAsync(
            () => admin.GetJsonAsync("/api/v1/admin/outbox"),
            v => Last(v).Long("pendingAtEnd") == 3 && Buckets(v).Sum(b => b.Long("created")) == 3,
            "a completed bucket to show the three rows created and still pending at its end",
            BucketWait);

        await _system.StartSiloAsync();
        var other = _system.StartAuthApi(TestAdmin.Settings).CreateClient().WithAdminKey();
        view = await Eventually.ReturnsAsync(
            () => other.GetJsonAsync("/api/v1/admin/outbox"),
            v => v.Long("pending") == 0 && v.Long("sentLastMinute") == 3,
            "the silo's relays to drain the backlog, seen from another AuthApi instance");
        Assert.Equal(JsonValueKind.Null, view.GetProperty("oldestPendingAgeSeconds").ValueKind);
        Assert.Equal(0.05, view.GetProperty("sentPerSecond").GetDouble());
        var latency = view.GetProperty("publishLatencyMs");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0, 60_000);
        Assert.True(latency.GetProperty("p99").GetDouble() >= latency.GetProperty("p50").GetDouble());

        await Eventually.ReturnsAsync(
            () => admin.GetJsonAsync("/api/v1/admin/outbox"),
            v => Last(v).Long("pendingAtEnd") == 0 && Buckets(v).Sum(b => b.Long("sent")) == 3,
            "a completed bucket to show the three rows sent and nothing pending at its end (asked of the first instance)",
            BucketWait);
    }

    [Fact]
    public async Task Outbox_view_lists_rows_that_keep_failing_with_attempts_and_error()
    {
        var host = _system.StartAuthApi(TestAdmin.Settings);
        var http = host.CreateClient();
        await _system.StartRelayingSiloAsync();
        await _system.RouteAsync(Topology.UserRegisteredRoutingKey, bind: false);

        var registered = await http.RegisterOkAsync();

        var admin = host.CreateClient().WithAdminKey();
        var view = await Eventually.ReturnsAsync(
            () => admin.GetJsonAsync("/api/v1/admin/outbox"),
            v => v.GetProperty("failing").EnumerateArray().Any(r => r.GetProperty("eventId").GetGuid() == registered.EventId && r.Long("attempts") >= 2),
            "the unroutable row among the failing rows with its attempts");
        var row = view.GetProperty("failing").EnumerateArray().Single();
        Assert.Contains("returned by the broker", row.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, view.Long("pending"));
    }

    [Fact]
    public async Task Admin_read_models_and_dead_letters_require_the_admin_key()
    {
        var auth = _system.StartAuthApi(TestAdmin.Settings).CreateClient();
        var todo = _system.StartTodoConsumer(TestAdmin.Settings).CreateClient();
        foreach (var (http, path) in new[] { (auth, "/api/v1/admin/outbox"), (todo, "/api/v1/admin/consumer"), (todo, "/api/v1/admin/dead-letters") })
        {
            await (await http.GetAsync(path)).AssertProblemAsync(HttpStatusCode.Unauthorized);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, path);
            wrong.Headers.Add("X-Admin-Key", "wrong");
            await (await http.SendAsync(wrong)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        await (await todo.PostAsync("/api/v1/admin/dead-letters/replay-all", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await todo.DeleteAsync($"/api/v1/admin/dead-letters/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private static List<JsonElement> Buckets(JsonElement view) => [.. view.GetProperty("buckets").EnumerateArray()];

    private static JsonElement Last(JsonElement view) => Buckets(view)[^1];
}
