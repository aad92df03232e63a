using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.ServiceDefaults.Admin;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>The dashboard's own JSON API and its login, over real service instances, database and broker.</summary>
public sealed class DashboardApiTests : IAsyncLifetime
{
    private const string Password = "grey stapler orbit";

    /// <summary>The account deletion saga in seconds: a step unanswered for 3 s makes the deletion Stuck.</summary>
    private static readonly (string, string?)[] FastDeletions =
    [
        ("Account:DeletionGrace", "00:00:01"), ("Account:StepTimeout", "00:00:01"), ("Account:MaxStepBackoff", "00:00:02"), ("Account:StepDeadline", "00:00:03"),
    ];

    private TestSystem _system = null!;
    private Uri _auth = null!;
    private Uri _todo = null!;
    private string _todoInstanceId = null!;
    private HttpClient _register = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        var auth = _system.StartAuthApiListening(TestAdmin.Settings);
        _auth = auth.Address!;
        var todo = _system.StartTodoConsumerListening(TestAdmin.Settings);
        _todo = todo.Address!;
        _todoInstanceId = todo.Services.GetRequiredService<InstanceIdentity>().InstanceId;
        _register = auth.CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Page_assets_and_api_need_the_admin_login_and_health_does_not()
    {
        await using var dashboard = DashboardHost.Start(_system, [_auth], [_todo]);

        foreach (var path in new[] { "/", "/index.html", "/js/dashboard.js", "/css/dashboard.css", "/api/dashboard/state" })
        {
            foreach (var client in new[] { dashboard.Client(password: null), dashboard.Client("wrong"), dashboard.Client("") })
            {
                var refused = await client.GetAsync(path);
                await refused.AssertProblemAsync(HttpStatusCode.Unauthorized);
                Assert.StartsWith("Basic realm=", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await dashboard.Client(password: null).GetAsync("/health/live")).StatusCode);
        var page = await dashboard.Client().GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Registration · Dashboard</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task State_shows_silos_partitions_outbox_consumer_queues_and_dead_letters()
    {
        await using var dashboard = DashboardHost.Start(_system, [_auth], [_todo]);
        var http = dashboard.Client();
        await _system.StartSiloAsync();
        for (var i = 0; i < 2; i++)
        {
            await _register.RegisterOkAsync();
        }

        await _system.PublishAsync(TestEvents.Utf8("poison"));

        var state = await Eventually.ReturnsAsync(
            () => http.GetJsonAsync("/api/dashboard/state"),
            s => Data(s, "auth", "outbox").Long("sentLastMinute") == 2
                && Data(s, "todo", "consumer").Long("todosLastMinute") == 2
                && s.GetProperty("deadLetters").GetProperty("data").Long("depth") == 1
                && Queue(s, Topology.UserRegisteredQueue).GetProperty("consumers") is { ValueKind: JsonValueKind.Number } consumers && consumers.GetInt64() == 1
                && Data(s, "auth", "cluster") is { ValueKind: JsonValueKind.Object } cluster && cluster.GetProperty("silos").GetArrayLength() == 1,
            "two registrations published and applied, the poison dead-lettered, the consumer seen by the broker and the silo listed",
            TimeSpan.FromSeconds(20));

        Assert.Equal(1, state.GetProperty("refreshSeconds").GetInt32());
        var authCluster = Data(state, "auth", "cluster");
        Assert.Equal(_auth.ToString(), state.GetProperty("auth").GetProperty("cluster").GetProperty("source").GetString());
        Assert.Equal("Active", Assert.Single(authCluster.GetProperty("silos").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal(48, authCluster.GetProperty("partitions").GetArrayLength()); // 16 of each outbox
        Assert.False(state.GetProperty("todo").TryGetProperty("cluster", out _), "TodoConsumer has no cluster view");
        var instance = Assert.Single(state.GetProperty("todo").GetProperty("instances").EnumerateArray());
        Assert.Equal(_todoInstanceId, instance.GetProperty("instanceId").GetString());
        Assert.Equal(2, instance.GetProperty("outcomes").Long("applied"));
        Assert.Equal(0, state.GetProperty("todo").Long("duplicatesAbsorbed"));
        Assert.Equal(
            [Topology.UserRegisteredQueue, Topology.UserRegisteredDeadLetterQueue, Topology.NotificationsQueue, Topology.NotificationsDeadLetterQueue],
            state.GetProperty("queues").EnumerateArray().Select(q => q.GetProperty("name").GetString()));
        var deadLetter = Assert.Single(state.GetProperty("deadLetters").GetProperty("data").GetProperty("items").EnumerateArray());
        Assert.Equal("poison", deadLetter.GetProperty("bodyPreview").GetString());
    }

    [Fact]
    public async Task State_shows_what_it_can_when_a_service_or_the_broker_api_cannot_be_reached()
    {
        var nobody = new Uri("http://127.0.0.1:9");
        await using var dashboard = DashboardHost.Start(_system, [nobody, _auth], [nobody], overrides: [("Dashboard:RabbitMqManagementUrl", nobody.ToString())]);

        var state = await dashboard.Client().GetJsonAsync("/api/dashboard/state");

        Assert.Equal(_auth.ToString(), state.GetProperty("auth").GetProperty("outbox").GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Object, state.GetProperty("auth").GetProperty("outbox").GetProperty("data").ValueKind);
        var todo = state.GetProperty("todo").GetProperty("consumer");
        Assert.Equal(JsonValueKind.Null, todo.GetProperty("data").ValueKind);
        Assert.Contains("127.0.0.1:9", todo.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.NotNull(state.GetProperty("deadLetters").GetProperty("error").GetString());
        Assert.NotNull(Assert.Single(state.GetProperty("todo").GetProperty("instances").EnumerateArray()).GetProperty("error").GetString());
        Assert.All(state.GetProperty("queues").EnumerateArray(), q => Assert.NotNull(q.GetProperty("error").GetString()));
        Assert.Equal(4, state.GetProperty("queues").GetArrayLength());
        var deletions = state.GetProperty("auth").GetProperty("accountDeletions");
        Assert.Equal(_auth.ToString(), deletions.GetProperty("source").GetString());
        Assert.Empty(deletions.GetProperty("data").GetProperty("open").EnumerateArray());
    }

    [Fact]
    public async Task Account_deletions_show_as_unavailable_and_their_retry_as_bad_gateway_when_no_auth_api_can_be_reached()
    {
        var nobody = new Uri("http://127.0.0.1:9");
        await using var dashboard = DashboardHost.Start(_system, [nobody], [_todo]);
        var http = dashboard.Client();

        var state = await http.GetAsync("/api/dashboard/state");

        Assert.Equal(HttpStatusCode.OK, state.StatusCode);
        var deletions = (await state.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("auth").GetProperty("accountDeletions");
        Assert.Equal(JsonValueKind.Null, deletions.GetProperty("data").ValueKind);
        Assert.Contains("127.0.0.1:9", deletions.GetProperty("error").GetString(), StringComparison.Ordinal);
        http.DefaultRequestHeaders.Add("X-Requested-With", "dashboard");
        var retry = await (await http.PostAsync($"/api/dashboard/account-deletions/{Guid.NewGuid()}/retry", null)).AssertProblemAsync(HttpStatusCode.BadGateway);
        Assert.Equal("No AuthApi instance could be reached.", retry.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_stuck_account_deletion_is_shown_with_the_step_it_waits_for_and_its_retry_goes_through_to_auth_api()
    {
        await _system.MigrateServiceDatabasesAsync(); // the notify outbox's relay needs its tables: Notifications is never started, so its reply never comes
        await _system.StartRelayingSiloAsync(FastDeletions);
        await using var dashboard = DashboardHost.Start(_system, [_auth], [_todo]);
        var http = dashboard.Client();
        var email = ApiClient.NewEmail();
        var user = (await _register.RegisterOkAsync(email, Password)).UserId;
        var token = await _register.LoginAsync(email, Password);
        var requested = await _register.WithToken(token).SendAsync(
            new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/me") { Content = JsonContent.Create(new { password = Password }) });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<string?>("SELECT max(state) FROM account_deletions WHERE user_id = @user", new { user }),
            s => s == "Stuck", "the deletion to be Stuck: Notifications never answers", TimeSpan.FromSeconds(30));

        var state = await http.GetJsonAsync("/api/dashboard/state");

        var deletions = Data(state, "auth", "accountDeletions");
        Assert.Equal(1, deletions.GetProperty("counts").Long("Stuck"));
        var stuck = Assert.Single(deletions.GetProperty("open").EnumerateArray());
        Assert.Equal(user, stuck.GetProperty("userId").GetGuid());
        Assert.Equal("Stuck", stuck.GetProperty("state").GetString());
        var waiting = stuck.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "notifications");
        Assert.Equal("Requested", waiting.GetProperty("state").GetString());
        Assert.True(waiting.GetProperty("attempts").GetInt32() >= 1, waiting.ToString());
        Assert.True(waiting.GetProperty("at").GetDateTimeOffset() <= state.GetProperty("generatedAt").GetDateTimeOffset(), waiting.ToString());

        // The retry goes through the same protection as the dead-letter actions.
        await (await http.PostAsync($"/api/dashboard/account-deletions/{user}/retry", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await dashboard.Client("wrong").PostAsync($"/api/dashboard/account-deletions/{user}/retry", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        http.DefaultRequestHeaders.Add("X-Requested-With", "dashboard");
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/dashboard/account-deletions/not-a-user/retry", null)).StatusCode);
        var nobody = Guid.NewGuid();
        var refused = await (await http.PostAsync($"/api/dashboard/account-deletions/{nobody}/retry", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("Only a Stuck deletion can be retried.", refused.GetProperty("title").GetString());
        Assert.Contains(nobody.ToString(), refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user AND trigger = 'RetryRequested'", new { user }));

        var retried = await http.PostAsync($"/api/dashboard/account-deletions/{user}/retry", null);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var deletion = await retried.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(user, deletion.GetProperty("userId").GetGuid());
        Assert.Equal("Erasing", deletion.GetProperty("state").GetString());
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user AND trigger = 'RetryRequested'", new { user }));
    }

    [Fact]
    public async Task Dead_letter_actions_go_through_to_the_todo_consumer_and_need_the_page_header()
    {
        await _system.StartSiloAsync(); // the replayed event's user grain
        await using var dashboard = DashboardHost.Start(_system, [_auth], [_todo]);
        var http = dashboard.Client();
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        await _system.PublishDeadLetterAsync(TestEvents.UserRegisteredBody(eventId, userId), eventId.ToString());
        await Eventually.ReturnsAsync(() => http.GetJsonAsync("/api/dashboard/dead-letters"), l => l.Long("depth") == 1, "the dead letter listed through the dashboard");

        await (await http.PostAsync($"/api/dashboard/dead-letters/{eventId}/replay", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await http.DeleteAsync($"/api/dashboard/dead-letters/{eventId}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        http.DefaultRequestHeaders.Add("X-Requested-With", "dashboard");
        await (await http.PostAsync($"/api/dashboard/dead-letters/{Guid.NewGuid()}/replay", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await dashboard.Client("wrong").PostAsync($"/api/dashboard/dead-letters/{eventId}/replay", null)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var replayed = await http.PostAsync($"/api/dashboard/dead-letters/{eventId}/replay", null);

        Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await replayed.Content.ReadAsStringAsync()).RootElement.Long("replayed"));
        await Eventually.ReturnsAsync(() => _system.WelcomeTodosAsync(userId), n => n == 1, "the replayed event to create the todo");
        Assert.Equal(0, (await http.GetJsonAsync("/api/dashboard/dead-letters")).Long("depth"));
    }

    [Theory]
    [InlineData("Admin:ApiKey", "", "Admin:ApiKey must be set")]
    [InlineData("Dashboard:TodoConsumerUrls:0", "not-a-url", "absolute http(s) URLs")]
    [InlineData("ConnectionStrings:Redis", "", "ConnectionStrings:Redis is not set")]
    public async Task Dashboard_refuses_to_start_with_invalid_options(string key, string value, string message)
    {
        var settings = new List<(string, string?)> { (key, value) };
        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            await using var dashboard = DashboardHost.Start(_system, [_auth], [_todo], overrides: [.. settings]);
        });
        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    private static JsonElement Data(JsonElement state, string service, string part) =>
        state.GetProperty(service).GetProperty(part).GetProperty("data");

    private static JsonElement Queue(JsonElement state, string name) =>
        state.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == name);
}
