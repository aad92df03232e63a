using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

/// <summary>/metrics of every service, scraped over HTTP as Prometheus does (basic_auth: the scraper's own login).</summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Every_service_serves_its_outbox_consumer_database_and_Orleans_figures_to_the_scraper_in_Prometheus_text_format()
    {
        var authApi = _system.StartAuthApiListening(TestAdmin.Settings);
        var todo = _system.StartTodoConsumerListening(TestAdmin.Settings);
        var silo = await _system.StartSiloAsync(TestAdmin.Settings);
        await using var dashboard = DashboardHost.Start(_system, [authApi.Address!], [todo.Address!]);
        using var http = new HttpClient { BaseAddress = authApi.Address };
        var registered = await http.RegisterOkAsync();
        await Eventually.TrueAsync(
            async () => await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @id", new { id = registered.UserId }) == 1,
            "the welcome todo");

        // The silo relayed the event (outbox), wrote the todo (Npgsql), and is an Orleans silo.
        var siloMetrics = await ScrapeUntilAsync(silo.Address, "registration_outbox_published_total", "the silo");
        Assert.Matches("""registration_outbox_published_total(\{[^}]*\})? 1\b""", siloMetrics);
        AssertHas(siloMetrics, "registration_outbox_pending", "registration_outbox_batch_duration_milliseconds_bucket",
            "orleans_catalog_activations", "db_client_operation_duration_seconds_bucket", "http_server_request_duration_seconds_bucket");
        // TodoConsumer applied it (by outcome), through its Orleans client.
        var todoMetrics = await ScrapeUntilAsync(todo.Address!, "registration_consumer_messages_total{", "TodoConsumer");
        // At least 1: OpenTelemetry collects meters by name, so in this test process a host also counts what other
        // tests' in-process consumers did (the silo, a process of its own, is exact).
        Assert.Matches("""registration_consumer_messages_total\{[^}]*outcome="applied"[^}]*\} [1-9]""", todoMetrics);
        AssertHas(todoMetrics, "registration_consumer_handler_duration_milliseconds_bucket", "orleans_client_connected_gateways");
        // AuthApi's request and its transaction; the dashboard's calls to the services' admin APIs (HttpClient).
        var authMetrics = await ScrapeUntilAsync(authApi.Address!, "http_server_request_duration_seconds_bucket", "AuthApi");
        Assert.Contains("http_route=\"/api/v1/auth/register\"", authMetrics, StringComparison.Ordinal);
        AssertHas(authMetrics, "db_client_operation_duration_seconds_bucket");
        using var page = dashboard.Client();
        (await page.GetAsync(new Uri("/api/dashboard/state", UriKind.Relative))).EnsureSuccessStatusCode();
        var dashboardMetrics = await ScrapeUntilAsync(dashboard.Address, "http_client_request_duration_seconds_bucket", "the dashboard");
        AssertHas(dashboardMetrics, "http_server_request_duration_seconds_bucket");
    }

    [Fact]
    public async Task Metrics_are_refused_without_the_scrapers_login_and_while_no_metrics_password_is_configured()
    {
        var silo = await _system.StartSiloAsync(TestAdmin.Settings);
        var unconfigured = _system.StartAuthApi(("Admin:ApiKey", TestAdmin.Key)).CreateClient(); // no Metrics:Password

        using var anonymous = new HttpClient { BaseAddress = silo.Address };
        var refused = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
        await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Basic", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        using var wrong = Login(silo.Address, TestAdmin.MetricsUser, "not-the-password");
        await (await wrong.GetAsync(new Uri("/metrics", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var header = new HttpClient { BaseAddress = silo.Address }.WithAdminKey(); // the JSON admin API's header is not a login
        await (await header.GetAsync(new Uri("/metrics", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var disabled = await unconfigured.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/metrics")
        {
            Headers = { Authorization = Basic(TestAdmin.MetricsUser, TestAdmin.MetricsPassword) },
        });
        await disabled.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_admin_login_does_not_scrape_and_the_scrapers_login_administers_nothing()
    {
        var auth = _system.StartAuthApiListening(TestAdmin.Settings);
        await using var dashboard = DashboardHost.Start(_system, [auth.Address!], [auth.Address!]);

        using var admin = Login(auth.Address!, "admin", TestAdmin.Key);
        await (await admin.GetAsync(new Uri("/metrics", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var scraper = Login(auth.Address!, TestAdmin.MetricsUser, TestAdmin.MetricsPassword);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);

        // Neither as the admin API's key nor as the dashboard's login.
        using var scraperAsKey = new HttpClient { BaseAddress = auth.Address };
        scraperAsKey.DefaultRequestHeaders.Add("X-Admin-Key", TestAdmin.MetricsPassword);
        await (await scraperAsKey.GetAsync(new Uri("/api/v1/admin/outbox", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var scraperOnDashboard = Login(dashboard.Address, TestAdmin.MetricsUser, TestAdmin.MetricsPassword);
        await (await scraperOnDashboard.GetAsync(new Uri("/api/dashboard/state", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var scraperAsAdmin = Login(dashboard.Address, "admin", TestAdmin.MetricsPassword);
        await (await scraperAsAdmin.GetAsync(new Uri("/api/dashboard/state", UriKind.Relative))).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void A_service_refuses_to_start_with_the_admin_key_as_the_metrics_password()
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartAuthApi(("Admin:ApiKey", TestAdmin.Key), ("Metrics:Password", TestAdmin.Key)));

        Assert.Contains("Metrics:Password must not be the admin key", error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeUntilAsync(Uri service, string expected, string what)
    {
        using var http = Login(service, TestAdmin.MetricsUser, TestAdmin.MetricsPassword);
        return await Eventually.ReturnsAsync(
            async () =>
            {
                using var response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}'s /metrics answered {(int)response.StatusCode}");
                Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
                return await response.Content.ReadAsStringAsync();
            },
            text => text.Contains(expected, StringComparison.Ordinal),
            $"{what}'s /metrics to show {expected}",
            TimeSpan.FromSeconds(20));
    }

    private static void AssertHas(string metrics, params string[] names)
    {
        foreach (var name in names)
        {
            Assert.True(metrics.Contains(name, StringComparison.Ordinal), $"{name} is not in:\n{string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("# TYPE", StringComparison.Ordinal)))}");
        }
    }

    private static HttpClient Login(Uri service, string user, string password) =>
        new() { BaseAddress = service, DefaultRequestHeaders = { Authorization = Basic(user, password) } };

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
