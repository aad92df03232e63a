using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registration.Tests.Cluster;

/// <summary>
/// 2,000 registrations, and several todo changes of some of those users through the todo API, while, at random, silo
/// processes are killed (SIGKILL), frozen (SIGSTOP, then SIGCONT) or stopped (SIGTERM), TodoConsumer and Notifications
/// processes are killed (SIGKILL), and the broker's connections are cut: afterwards exactly one welcome todo per user,
/// exactly one notification per committed event of either outbox (registrations, and every todo change the todo
/// database committed, the welcome todos included), each user's in the order of the changes; nothing PENDING, nothing
/// dead-lettered. Meanwhile some of the users delete their accounts: each deletion ends erased, and those users have
/// no row, todo, dedup key or notification left anywhere. Replay a failure with CHAOS_SEED=&lt;the printed seed&gt;.
/// </summary>
[Collection(HeavyOrTimed.Name)]
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Events = 2000;
    private const int EventsPerTransaction = 25;
    private const int UsersChangingTodos = 60;
    private const int UsersDeletingAccounts = 20;
    private const string DeletingPassword = "a chaos password";
    private readonly List<ServiceProcess> _consumers = [];
    private readonly List<ServiceProcess> _notifications = [];
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Random_kills_and_freezes_of_silos_kills_of_consumers_and_broker_cuts_lose_nothing_and_duplicate_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var replay) ? replay : Random.Shared.Next();
        var random = new Random(seed);
        Report($"chaos: seed {seed} (replay with CHAOS_SEED={seed})");

        var auth = _system.StartAuthApi().CreateClient(); // creates the outbox schema
        var silos = new List<ServiceProcess>(await Task.WhenAll(_system.StartSiloAsync(), _system.StartSiloAsync()));
        var starting = new List<Task>();
        _consumers.AddRange(await Task.WhenAll(_system.StartTodoConsumerProcessAsync(), _system.StartTodoConsumerProcessAsync()));
        _notifications.AddRange(await Task.WhenAll(_system.StartNotificationsProcessAsync(), _system.StartNotificationsProcessAsync()));

        var writing = WriteEventsAsync();
        var changing = ChangeTodosAsync(writing, random.Next());
        var deleting = DeleteAccountsAsync(auth, writing, random.Next());
        var faults = new Dictionary<string, int>();
        // Every kind of fault once, in a random order, before any repeats: each run has kills, a freeze and a cut.
        var firstRound = new Queue<int>(Enumerable.Range(0, 6).OrderBy(_ => random.Next()));
        while (!writing.IsCompleted || !changing.IsCompleted || !deleting.IsCompleted || firstRound.Count > 0)
        {
            await Task.Delay(random.Next(500, 1500));
            var kind = firstRound.Count > 0 ? firstRound.Dequeue() : random.Next(6);
            var fault = kind switch
            {
                0 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: true),
                1 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: false),
                2 when silos.Count > 1 => await FreezeSiloAsync(silos, starting, random),
                3 when _consumers.Count > 1 => ReplaceInstance(_consumers, () => _system.StartTodoConsumerProcessAsync(), starting, random, "consumer killed (SIGKILL)"),
                4 => await BrokerOutageAsync(random),
                5 when _notifications.Count > 1 => ReplaceInstance(_notifications, () => _system.StartNotificationsProcessAsync(), starting, random, "notification service killed (SIGKILL)"),
                _ => null, // not possible now (a replacement is still starting): tried again later
            };
            if (fault is null)
            {
                firstRound.Enqueue(kind);
                continue;
            }

            faults[fault] = faults.GetValueOrDefault(fault) + 1;
        }

        var users = await writing;
        var changes = await changing;
        var deleted = await deleting;
        await Task.WhenAll(starting);
        var drain = Stopwatch.StartNew();
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"),
            n => n == 0,
            $"no PENDING rows left (seed {seed})",
            TimeSpan.FromSeconds(60));
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<string>(
                "SELECT coalesce(string_agg(user_id || ' ' || state || ' ' || steps::text, '; '), '') FROM account_deletions WHERE user_id = ANY(@deleted) AND state <> 'Erased'",
                new { deleted }),
            open => open == "",
            $"all {deleted.Length} account deletions erased; the ones still open are listed (seed {seed})",
            TimeSpan.FromSeconds(90));
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE NOT user_id = ANY(@deleted)", new { deleted }),
            n => n == Events - deleted.Length,
            $"all {Events - deleted.Length} registrations of the users who stay processed (seed {seed})",
            TimeSpan.FromSeconds(60));
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"),
            n => n == 0,
            $"no PENDING task events left (seed {seed})",
            TimeSpan.FromSeconds(60));
        var taskEvents = await _system.TodoScalarAsync<long>("SELECT count(*) FROM outbox WHERE event_type LIKE 'TODO%'");
        var erasedTaskEvents = await _system.TodoScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregate_id = ANY(@deleted) AND event_type LIKE 'TODO%'", new { deleted });
        await Eventually.ReturnsAsync(
            () => _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications"),
            n => n == Events - deleted.Length + taskEvents - erasedTaskEvents,
            $"a notification for each registration and task event of the users who stay (seed {seed})",
            TimeSpan.FromSeconds(90));
        var drained = drain.Elapsed;

        Report($"chaos: {Events} registrations, {changes} todo changes answered ({taskEvents} task events committed), {deleted.Length} accounts deleted, faults injected: " +
               $"{string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} x{f.Value}"))}; time to drain after the last fault: {drained.TotalSeconds:0.0} s");

        var staying = Events - deleted.Length;
        Assert.Equal((long)staying, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"));
        // (The users changing todos have none: their create may have committed twice, once for an answer lost in a kill.)
        Assert.Equal((long)staying, await _system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos WHERE title = 'Welcome to the App'"));
        Assert.Equal((long)staying, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = ANY(@users)", new { users }));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE id = ANY(@deleted)", new { deleted }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = ANY(@deleted)", new { deleted }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = ANY(@deleted)", new { deleted }));
        Assert.Equal(0L, await _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = ANY(@deleted)", new { deleted }));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.AccountDeletionDeadLetterQueue));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        await AssertOneNotificationPerEventInOrderAsync(deleted, seed);
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.NotificationsDeadLetterQueue));
        Assert.True(faults.Values.Sum() >= 5, $"expected several faults during the run, got {faults.Values.Sum()} (seed {seed})");
    }

    private async Task<Guid[]> WriteEventsAsync()
    {
        var writer = new OutboxWriter(Options.Create(new OutboxOptions()));
        var users = new List<Guid>();
        for (var written = 0; written < Events; written += EventsPerTransaction)
        {
            await using var connection = await _system.AuthDb.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            for (var i = 0; i < EventsPerTransaction; i++)
            {
                var user = Guid.CreateVersion7();
                var message = UserRegistered.Create(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "chaos", user, $"{user:N}@example.com");
                await writer.AddAsync(connection, transaction, new OutboxMessage(message.EventId, message.EventType, user, JsonSerializer.Serialize(message, EventJson.Options), new Dictionary<string, string>()), CancellationToken.None);
                users.Add(user);
            }

            await transaction.CommitAsync();
            await Task.Delay(250); // about 25 s of writing: time for several faults, silos taking seconds to start
        }

        return [.. users];
    }

    /// <summary>
    /// A running silo killed (SIGKILL) or stopped (SIGTERM), and a new one started without waiting for it (a silo
    /// takes seconds to join): for a while only the others relay, as after a real crash. One is always left.
    /// </summary>
    private async Task<string?> ReplaceSiloAsync(List<ServiceProcess> silos, List<Task> starting, Random random, bool kill)
    {
        ServiceProcess victim;
        lock (silos)
        {
            victim = silos[random.Next(silos.Count)];
            silos.Remove(victim);
        }

        if (kill)
        {
            victim.Kill();
        }
        else
        {
            await victim.StopAsync();
        }

        starting.Add(StartReplacementAsync(silos));
        return kill ? "silo killed (SIGKILL)" : "silo stopped (SIGTERM)";
    }

    /// <summary>
    /// A running silo frozen for 2-12 s, then resumed: a freeze longer than the cluster's detection (several seconds) gets
    /// it declared dead, and it leaves the cluster when it resumes; it is then replaced. A shorter one is not noticed.
    /// </summary>
    private async Task<string?> FreezeSiloAsync(List<ServiceProcess> silos, List<Task> starting, Random random)
    {
        ServiceProcess victim;
        lock (silos)
        {
            victim = silos[random.Next(silos.Count)];
        }

        var frozen = TimeSpan.FromMilliseconds(random.Next(2000, 12000));
        victim.Freeze();
        await Task.Delay(frozen);
        victim.Thaw();
        try
        {
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(5), "declared dead while frozen");
        }
        catch (TimeoutException)
        {
            return "silo frozen, stayed (SIGSTOP/SIGCONT)";
        }

        lock (silos)
        {
            silos.Remove(victim);
        }

        starting.Add(StartReplacementAsync(silos));
        return "silo frozen, declared dead and replaced (SIGSTOP/SIGCONT)";
    }

    private async Task StartReplacementAsync(List<ServiceProcess> silos)
    {
        var silo = await _system.StartSiloAsync();
        lock (silos)
        {
            silos.Add(silo);
        }
    }

    /// <summary>
    /// An instance of a consumer service (TodoConsumer or Notifications) killed (SIGKILL: its unacked deliveries go back
    /// to the queue) and a new one started without waiting for it.
    /// </summary>
    private static string ReplaceInstance(List<ServiceProcess> instances, Func<Task<ServiceProcess>> start, List<Task> starting, Random random, string fault)
    {
        ServiceProcess victim;
        lock (instances)
        {
            victim = instances[random.Next(instances.Count)];
            instances.Remove(victim);
        }

        victim.Kill();
        starting.Add(Task.Run(async () =>
        {
            var replacement = await start();
            lock (instances)
            {
                instances.Add(replacement);
            }
        }));
        return fault;
    }

    /// <summary>
    /// Creates, completes, renames and deletes a todo of each of the first users, through a live TodoConsumer instance
    /// (its own token for each user), while faults happen. A change whose answer is lost may or may not have committed:
    /// the todo database's outbox, not the answers, tells which changes to expect notifications for.
    /// </summary>
    /// <returns>The changes answered with success.</returns>
    private async Task<int> ChangeTodosAsync(Task<Guid[]> writing, int seed)
    {
        var random = new Random(seed);
        var tokens = new AuthApi.Security.TokenIssuer(
            Options.Create(new Registration.ServiceDefaults.Auth.JwtOptions { SigningKey = TestSettings.JwtSigningKey }), TimeProvider.System);
        await Task.Delay(TimeSpan.FromSeconds(2)); // the first registrations are committed
        var answered = 0;
        for (var u = 0; u < UsersChangingTodos; u++)
        {
            var user = Guid.CreateVersion7();
            // A user of its own (no registration needed to own todos): its welcome never comes, only its changes.
            var token = tokens.Issue(user, $"{user:N}@example.com").Token;
            var todo = await SendAsync(token, random, http => http.PostAsJsonAsync("/api/v1/todos", new { title = $"Chaos {u}" }));
            if (todo?.Content is { } created && (await created.ReadFromJsonAsync<Todo>()) is { } made)
            {
                answered++;
                answered += await SendAsync(token, random, http => http.PatchAsJsonAsync($"/api/v1/todos/{made.Id}", new { completed = true })) is not null ? 1 : 0;
                answered += await SendAsync(token, random, http => http.PatchAsJsonAsync($"/api/v1/todos/{made.Id}", new { title = $"Chaos {u}, renamed" })) is not null ? 1 : 0;
                answered += await SendAsync(token, random, http => http.DeleteAsync($"/api/v1/todos/{made.Id}")) is not null ? 1 : 0;
            }

            await Task.Delay(writing.IsCompleted ? 50 : 300);
        }

        return answered;
    }

    /// <summary>
    /// Some of the registered users delete their accounts, spread over the run: each gets a users row (the registrations
    /// here are written straight to the outbox) and asks through AuthApi's DELETE /api/v1/auth/me, again while the
    /// cluster cannot take it (503). Returns the users whose deletion was accepted.
    /// </summary>
    private async Task<Guid[]> DeleteAccountsAsync(HttpClient auth, Task<Guid[]> writing, int seed)
    {
        var random = new Random(seed);
        var tokens = new AuthApi.Security.TokenIssuer(
            Options.Create(new Registration.ServiceDefaults.Auth.JwtOptions { SigningKey = TestSettings.JwtSigningKey }), TimeProvider.System);
        var hash = new AuthApi.Security.PasswordHasher(workFactor: 10).Hash(DeletingPassword);
        await Task.Delay(TimeSpan.FromSeconds(3)); // some registrations are committed
        var deleted = new List<Guid>();
        while (deleted.Count < UsersDeletingAccounts)
        {
            var user = await _system.AuthScalarAsync<Guid?>(
                "SELECT aggregate_id FROM outbox WHERE event_type = 'USER_REGISTERED' AND aggregate_id <> ALL(@deleted) ORDER BY random() LIMIT 1", new { deleted = deleted.ToArray() });
            await _system.AuthScalarAsync<int>(
                "WITH added AS (INSERT INTO users (id, email, password_hash) VALUES (@user, @email, @hash) RETURNING 1) SELECT count(*)::int FROM added",
                new { user, email = $"{user:N}@example.com", hash });
            var token = tokens.Issue(user!.Value, $"{user:N}@example.com").Token;
            for (var attempt = 0; ; attempt++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/auth/me") { Content = JsonContent.Create(new { password = DeletingPassword }) };
                var answer = await auth.WithToken(token).SendAsync(request);
                // A request whose answer was lost in a fault (503) may have been taken all the same: its deletion exists, and
                // may even be over already (then the user is gone and the next try answers 401).
                if (answer.StatusCode == System.Net.HttpStatusCode.Accepted
                    || await _system.AuthScalarAsync<bool>("SELECT EXISTS (SELECT FROM account_deletions WHERE user_id = @user)", new { user }))
                {
                    deleted.Add(user.Value);
                    break;
                }

                Assert.True(attempt < 30 && answer.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"deleting {user}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                await Task.Delay(500);
            }

            await Task.Delay(writing.IsCompleted ? 200 : random.Next(500, 1500));
        }

        return [.. deleted];
    }

    /// <summary>The request on a live TodoConsumer instance, tried on another one (up to 10 times) while it fails; null if it never succeeded.</summary>
    private async Task<HttpResponseMessage?> SendAsync(string token, Random random, Func<HttpClient, Task<HttpResponseMessage>> request)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            ServiceProcess instance;
            lock (_consumers)
            {
                instance = _consumers[random.Next(_consumers.Count)];
            }

            using var http = new HttpClient { BaseAddress = instance.Address, Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                var response = await request(http.WithToken(token));
                if (response.IsSuccessStatusCode)
                {
                    await response.Content.LoadIntoBufferAsync();
                    return response;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The instance was killed or is starting: try another.
            }

            await Task.Delay(300);
        }

        return null;
    }

    /// <summary>
    /// Every registration and task event of a user who stays has exactly one notification (event_id is unique, so one
    /// means one), nothing else has one, and each user's task-event notifications are in the order of the user's sequence.
    /// </summary>
    private async Task AssertOneNotificationPerEventInOrderAsync(Guid[] deleted, int seed)
    {
        await using var todo = await _system.TodoDb.OpenConnectionAsync();
        var taskEvents = (await todo.QueryAsync<(Guid EventId, Guid UserId, long Sequence)>(
            "SELECT event_id, aggregate_id, (payload->>'sequence')::bigint FROM outbox WHERE event_type LIKE 'TODO%' AND NOT aggregate_id = ANY(@deleted)", new { deleted })).ToList();
        await using var auth = await _system.AuthDb.OpenConnectionAsync();
        var registrations = (await auth.QueryAsync<Guid>(
            "SELECT event_id FROM outbox WHERE event_type = 'USER_REGISTERED' AND NOT aggregate_id = ANY(@deleted)", new { deleted })).ToHashSet();
        await using var notify = await _system.NotifyDb.OpenConnectionAsync();
        var notifications = (await notify.QueryAsync<(Guid EventId, Guid UserId, long Id)>("SELECT event_id, user_id, id FROM notifications")).ToList();

        var expected = taskEvents.Select(e => e.EventId).Concat(registrations).ToHashSet();
        var notified = notifications.Select(n => n.EventId).ToHashSet();
        Assert.True(expected.SetEquals(notified),
            $"notifications for events never committed: {notified.Except(expected).Count()}, committed events without one: {expected.Except(notified).Count()} (seed {seed})");
        var idOf = notifications.ToDictionary(n => n.EventId, n => n.Id);
        foreach (var user in taskEvents.GroupBy(e => e.UserId))
        {
            var bySequence = user.OrderBy(e => e.Sequence).Select(e => e.EventId).ToList();
            Assert.Equal(Enumerable.Range(1, bySequence.Count).Select(n => (long)n), user.Select(e => e.Sequence).Order());
            Assert.True(bySequence.SequenceEqual(bySequence.OrderBy(e => idOf[e])), $"user {user.Key}'s notifications are out of the order of the changes (seed {seed})");
        }
    }

    private async Task<string?> BrokerOutageAsync(Random random)
    {
        _system.BrokerProxy.Cut();
        await Task.Delay(random.Next(300, 1500));
        _system.BrokerProxy.Restore();
        return "broker connections cut (proxy)";
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        var artifacts = Environment.GetEnvironmentVariable("TEST_ARTIFACTS");
        if (!string.IsNullOrEmpty(artifacts))
        {
            File.AppendAllText(Path.Combine(artifacts, "chaos-summary.txt"), line + Environment.NewLine);
        }
    }
}
