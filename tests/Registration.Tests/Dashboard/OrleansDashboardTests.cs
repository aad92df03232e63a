using System.Net;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>
/// Orleans' dashboard, served by the operations dashboard at /orleans/ as a client of the cluster: for the admin
/// only, it shows every live silo and the relay grains, it says so while no silo is reachable, and a malformed silo
/// address is a 400. The silos no longer serve it.
/// </summary>
public sealed class OrleansDashboardTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Orleans_dashboard_needs_the_admin_login_waits_for_a_silo_and_shows_every_silo_and_the_relay_grains()
    {
        var auth = _system.StartAuthApiListening(TestAdmin.Settings); // the outbox schema, so the relays activate
        var todo = _system.StartTodoConsumerListening(TestAdmin.Settings);
        await using var dashboard = DashboardHost.Start(_system, [auth.Address!], [todo.Address!]);
        var admin = dashboard.Client();

        var refused = await dashboard.Client(password: null).GetAsync("/orleans/");
        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await dashboard.Client("not-the-key").GetAsync("/orleans/DashboardCounters")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var waiting = await admin.GetAsync("/orleans/DashboardCounters");
        var problem = await waiting.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Not connected to the Orleans cluster yet", problem.GetProperty("title").GetString());

        var first = await _system.StartSiloAsync();
        var second = await _system.StartSiloAsync();
        var page = await Eventually.ReturnsAsync(
            () => admin.GetAsync("/orleans/"), r => r.StatusCode == HttpStatusCode.OK, "the Orleans dashboard's page once a silo is reachable", TimeSpan.FromSeconds(30));
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var counters = await Eventually.ReturnsAsync(
            () => admin.GetStringAsync("/orleans/DashboardCounters"),
            json => json.Contains($":{first.SiloPort}", StringComparison.Ordinal)
                && json.Contains($":{second.SiloPort}", StringComparison.Ordinal)
                && json.Contains("OutboxRelayGrain", StringComparison.Ordinal),
            "the Orleans dashboard's counters to list both silos and the relay grains",
            TimeSpan.FromSeconds(30));
        Assert.Contains("OutboxRelayGrain", counters, StringComparison.Ordinal);

        // A silo address that is not one is the client's error, not a 500.
        foreach (var path in new[] { "/orleans/HistoricalStats/not-a-silo", "/orleans/SiloCounters/S1.2.3.4" })
        {
            var malformed = await (await admin.GetAsync(path)).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal("The Orleans dashboard cannot read this request", malformed.GetProperty("title").GetString());
        }

        using var silo = new HttpClient { BaseAddress = first.Address };
        Assert.Equal(HttpStatusCode.NotFound, (await silo.GetAsync(new Uri("/dashboard/", UriKind.Relative))).StatusCode);
    }
}
