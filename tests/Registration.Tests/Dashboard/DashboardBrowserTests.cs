using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Registration.ServiceDefaults.Admin;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>The dashboard page in a real browser, over real services, database and broker.</summary>
[Collection(HeavyOrTimed.Name)]
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToHaveCountOptions CountWait = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToHaveTextOptions TextWait = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToBeVisibleOptions VisibleWait = new() { Timeout = 20_000 };
    private static readonly LocatorAssertionsToContainTextOptions TextWaitContain = new() { Timeout = 20_000 };

    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Page_shows_silos_partitions_and_rising_counts_and_replays_a_dead_letter_until_the_list_is_empty()
    {
        Assert.True(File.Exists(Browser.ChromiumPath), $"{Browser.ChromiumPath} is missing: scripts/infra.sh installs it (apt-get install chromium).");
        var auth = _system.StartAuthApiListening(TestAdmin.Settings);
        var todo = _system.StartTodoConsumerListening(TestAdmin.With(("Consumer:MaxDeliveries", "2")));
        await using var dashboard = DashboardHost.Start(_system, [auth.Address!], [todo.Address!]);
        var http = auth.CreateClient();
        await _system.StartSiloAsync();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "admin", Password = TestAdmin.Key, Send = HttpCredentialsSend.Always },
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");

        await page.GotoAsync(dashboard.Address.ToString());

        // Orleans' view, as AuthApi's cluster admin API reports it, and the consumer instance.
        await Assertions.Expect(page.GetByTestId("partition")).ToHaveCountAsync(48, CountWait);
        await Assertions.Expect(page.GetByTestId("silo")).ToHaveCountAsync(1, CountWait);
        await Assertions.Expect(page.GetByTestId("silo")).ToContainTextAsync("Active", new() { Timeout = 20_000 });
        var consumerId = todo.Services.GetRequiredService<InstanceIdentity>().InstanceId;
        await Assertions.Expect(page.GetByTestId("consumer-instances").Locator($"td[title='{consumerId}']")).ToHaveCountAsync(1, CountWait);
        await Assertions.Expect(page.GetByTestId("kpi-sent-minute")).ToHaveTextAsync("0", TextWait);
        await Assertions.Expect(page.GetByTestId("dead-letters-empty")).ToBeVisibleAsync(VisibleWait);
        // Retention: nothing deleted yet, nothing kept yet.
        await Assertions.Expect(page.GetByTestId("kpi-outbox-deleted")).ToHaveTextAsync("0", TextWait);
        await Assertions.Expect(page.GetByTestId("kpi-keys-deleted")).ToHaveTextAsync("0", TextWait);
        await Assertions.Expect(page.GetByTestId("kpi-oldest-sent")).ToHaveTextAsync("none", TextWait);

        // Registrations make the counts go up.
        for (var i = 0; i < 3; i++)
        {
            await http.RegisterOkAsync();
        }

        await Assertions.Expect(page.GetByTestId("kpi-sent-minute")).ToHaveTextAsync("3", TextWait);
        await Assertions.Expect(page.GetByTestId("kpi-todo-minute")).ToHaveTextAsync("3", TextWait);

        // A bug refuses todos: the next registration's event fails and is dead-lettered, and shown.
        await _system.TodoSqlAsync("""
            CREATE FUNCTION reject_todos() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'todos are refused today'; END $$;
            CREATE TRIGGER reject_todos BEFORE INSERT ON todos FOR EACH ROW EXECUTE FUNCTION reject_todos();
            """);
        var unlucky = await http.RegisterOkAsync();
        var row = page.Locator($"[data-testid=dead-letter][data-event-id='{unlucky.EventId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(VisibleWait);
        await Assertions.Expect(row.GetByTestId("dead-letter-reason")).ToContainTextAsync("todos are refused today");
        await Assertions.Expect(page.GetByTestId("kpi-dlq")).ToHaveTextAsync("1", TextWait);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("dashboard.png"), FullPage = true });

        // The bug is fixed; the operator replays the message, confirming in the dialog.
        await _system.TodoSqlAsync("DROP TRIGGER reject_todos ON todos");
        await row.GetByTestId("replay").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-dialog")).ToBeVisibleAsync();
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Assertions.Expect(page.GetByTestId("dead-letters-empty")).ToBeVisibleAsync(VisibleWait);
        await Assertions.Expect(page.GetByTestId("kpi-dlq")).ToHaveTextAsync("0", TextWait);
        await Assertions.Expect(page.GetByTestId("kpi-todo-minute")).ToHaveTextAsync("4", TextWait);
        Assert.Equal(1L, await _system.WelcomeTodosAsync(unlucky.UserId));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("dashboard-after-replay.png"), FullPage = true });

        // The link to Orleans' own dashboard, served here by the same process and login, and allowed by its policy.
        var orleans = await context.RunAndWaitForPageAsync(() => page.GetByTestId("orleans-dashboard").ClickAsync());
        orleans.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"Orleans dashboard console {message.Type}: {message.Text}");
            }
        };
        orleans.PageError += (_, error) => problems.Add($"Orleans dashboard page error: {error}");
        await Assertions.Expect(orleans).ToHaveTitleAsync("Orleans Dashboard");
        await Assertions.Expect(orleans.GetByText("Active Silos").First).ToBeVisibleAsync(VisibleWait);
        await orleans.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("orleans-dashboard.png"), FullPage = true });
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public async Task Page_shows_a_stuck_account_deletion_with_the_service_it_waits_for_and_retries_it()
    {
        Assert.True(File.Exists(Browser.ChromiumPath), $"{Browser.ChromiumPath} is missing: scripts/infra.sh installs it (apt-get install chromium).");
        const string password = "grey stapler orbit";
        var auth = _system.StartAuthApiListening(TestAdmin.Settings);
        var todo = _system.StartTodoConsumerListening(TestAdmin.Settings);
        await _system.MigrateServiceDatabasesAsync(); // Notifications is never started: its reply never comes
        await _system.StartRelayingSiloAsync(
            ("Account:DeletionGrace", "00:00:01"), ("Account:StepTimeout", "00:00:01"), ("Account:MaxStepBackoff", "00:00:02"), ("Account:StepDeadline", "00:00:03"));
        await using var dashboard = DashboardHost.Start(_system, [auth.Address!], [todo.Address!]);
        var http = auth.CreateClient();
        var email = ApiClient.NewEmail();
        var user = (await http.RegisterOkAsync(email, password)).UserId;
        var token = await http.LoginAsync(email, password);
        var requested = await http.WithToken(token).SendAsync(
            new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/me") { Content = JsonContent.Create(new { password }) });
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Browser.LaunchAsync(playwright);
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "admin", Password = TestAdmin.Key, Send = HttpCredentialsSend.Always },
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console {message.Type}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error: {error}");

        await page.GotoAsync(dashboard.Address.ToString());

        var row = page.Locator($"[data-testid=account-deletion][data-user-id='{user}']");
        await Assertions.Expect(row.GetByTestId("account-deletion-state")).ToHaveTextAsync("Stuck", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("[data-testid=account-deletion-step][data-service=notifications]")).ToContainTextAsync("asked", TextWaitContain);
        await Assertions.Expect(page.GetByTestId("kpi-deletions-stuck")).ToHaveTextAsync("1", TextWait);
        await Assertions.Expect(page.Locator("[data-testid=account-deletion-count][data-state=Stuck]")).ToContainTextAsync("1 Stuck", TextWaitContain);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ArtifactPath("dashboard-account-deletion.png"), FullPage = true });

        await row.GetByTestId("account-deletion-retry").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-dialog")).ToContainTextAsync("notifications");
        await page.GetByTestId("confirm-ok").ClickAsync();

        await Assertions.Expect(page.GetByTestId("toast")).ToContainTextAsync($"The deletion of user {user} is Erasing again.", TextWaitContain);
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user AND trigger = 'RetryRequested'", new { user }));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
