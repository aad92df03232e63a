using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>Orleans' dashboard on the silos: for the admin only, and it shows every live silo and the relay grains.</summary>
public sealed class SiloDashboardTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Orleans_dashboard_needs_the_admin_login_and_shows_every_silo_and_the_relay_grains()
    {
        _system.StartAuthApi(); // the outbox schema, so the relays activate
        var first = await _system.StartSiloAsync(("Admin:ApiKey", TestAdmin.Key));
        var second = await _system.StartSiloAsync(("Admin:ApiKey", TestAdmin.Key));
        using var anonymous = new HttpClient { BaseAddress = first.Address };
        using var wrong = Client(first, "not-the-key");
        using var admin = Client(first, TestAdmin.Key);

        var refused = await anonymous.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Basic", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(new Uri("/dashboard/DashboardCounters", UriKind.Relative))).StatusCode);

        var page = await admin.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var counters = await Eventually.ReturnsAsync(
            () => admin.GetStringAsync(new Uri("/dashboard/DashboardCounters", UriKind.Relative)),
            json => json.Contains($":{first.SiloPort}", StringComparison.Ordinal)
                && json.Contains($":{second.SiloPort}", StringComparison.Ordinal)
                && json.Contains("OutboxRelayGrain", StringComparison.Ordinal),
            "the dashboard's counters to list both silos and the relay grains",
            TimeSpan.FromSeconds(30));
        Assert.Contains("OutboxRelayGrain", counters, StringComparison.Ordinal);
    }

    private static HttpClient Client(SiloProcess silo, string password)
    {
        var http = new HttpClient { BaseAddress = silo.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{password}")));
        return http;
    }
}
