using System.Diagnostics;
using System.Text.Json;
using AuthApi.Features;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>Silo processes killed (SIGKILL) or stopped while events flow: nothing lost, nothing duplicated, nothing reordered.</summary>
[Collection(HeavyOrTimed.Name)]
public sealed class SiloFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan MaxGap = TimeSpan.FromSeconds(10);

    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Killing_the_silo_with_most_partitions_under_load_loses_nothing_and_its_partitions_resume_within_10_s()
    {
        _system.StartTodoConsumer();
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _system.StartSiloAsync()));
        var api = _system.StartAuthApi(TestAdmin.Settings);
        var admin = api.CreateClient().WithAdminKey();
        var owners = await PartitionOwners.SettledAsync(admin, silos.Length);
        var victim = silos.MaxBy(s => owners.Values.Count(o => o.StartsWith(s.SiloEndpoint, StringComparison.Ordinal)))!;
        var victimPartitions = owners.Where(o => o.Value.StartsWith(victim.SiloEndpoint, StringComparison.Ordinal)).Select(o => o.Key).ToArray();

        var http = api.CreateClient();
        using var stop = new CancellationTokenSource();
        var registering = Task.Run(async () =>
        {
            var registered = new List<Register.Response>();
            while (!stop.IsCancellationRequested)
            {
                registered.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.RegisterOkAsync())));
                await Task.Delay(100);
            }

            return registered;
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var killedAt = DateTime.UtcNow;
        victim.Kill();
        await Task.Delay(MaxGap + TimeSpan.FromSeconds(2));
        // On a loaded machine registrations slow down (hashing runs at the lowest priority): go on until every one
        // of the victim's partitions got rows after the kill, so each one's resumption is measured.
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>(
                "SELECT count(DISTINCT partition) FROM outbox WHERE partition = ANY(@partitions) AND created_at > @killedAt",
                new { partitions = victimPartitions, killedAt }),
            n => n == victimPartitions.Length,
            $"registrations after the kill in each of the victim's {victimPartitions.Length} partitions",
            TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        var registered = await registering;

        await Eventually.ReturnsAsync(() => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0, "every event SENT", TimeSpan.FromSeconds(30));
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"),
            n => n == registered.Count,
            $"one welcome todo for each of the {registered.Count} users");
        Assert.Equal((long)registered.Count, await _system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos WHERE title = 'Welcome to the App'"));

        // Each of the victim's partitions published again within the bound: its first row written after the kill
        // was SENT at most MaxGap after the kill (or after its commit, if it came later).
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        var gaps = await Dapper.SqlMapper.QueryAsync<(short Partition, double Seconds)>(connection,
            """
            SELECT partition, extract(epoch FROM min(sent_at) - greatest(@killedAt, min(created_at)))::float8
            FROM outbox WHERE partition = ANY(@partitions) AND created_at > @killedAt GROUP BY partition
            """, new { killedAt, partitions = victimPartitions });
        Assert.Equal(victimPartitions.Length, gaps.Count());
        Assert.All(gaps, g => Assert.True(g.Seconds <= MaxGap.TotalSeconds, $"partition {g.Partition} resumed {g.Seconds:0.0} s after the kill"));
        Assert.False(victim.IsRunning);
    }

    [Fact]
    public async Task A_users_events_leave_in_commit_order_while_silos_are_killed_and_stopped()
    {
        var audit = await _system.BindAuditQueueAsync();
        _system.StartAuthApi(); // migrates the schema
        var first = await _system.StartSiloAsync(("Outbox:BatchSize", "7"));
        var second = await _system.StartSiloAsync(("Outbox:BatchSize", "7"));
        var writer = new OutboxWriter(Microsoft.Extensions.Options.Options.Create(new OutboxOptions()));
        var users = Enumerable.Range(0, 12).Select(_ => Guid.NewGuid()).ToList();
        const int eventsPerUser = 25;

        var writing = Task.Run(async () =>
        {
            for (var sequence = 1; sequence <= eventsPerUser; sequence++)
            {
                foreach (var user in users)
                {
                    await using var connection = await _system.AuthDb.OpenConnectionAsync();
                    await using var transaction = await connection.BeginTransactionAsync();
                    var message = UserRegistered.Create(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "order-test", user, $"{user:N}@example.com", sequence);
                    await writer.AddAsync(connection, transaction, new OutboxMessage(message.EventId, message.EventType, user, JsonSerializer.Serialize(message, EventJson.Options), new Dictionary<string, string>()), CancellationToken.None);
                    await transaction.CommitAsync();
                }
            }
        });

        await Task.Delay(300);
        first.Kill();
        var third = await _system.StartSiloAsync(("Outbox:BatchSize", "7"));
        await Task.Delay(300);
        await second.StopAsync();
        await writing;

        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"),
            n => n == 0,
            "every event SENT by the surviving silo",
            TimeSpan.FromSeconds(30));
        var published = (await _system.DrainAsync(audit))
            .Select(m => JsonSerializer.Deserialize<UserRegistered>(m.Body.Span, EventJson.Options)!)
            .ToList();
        foreach (var user in users)
        {
            // Re-publications after a failover repeat earlier events; what matters is that no event goes
            // out before the one committed before it has gone out once.
            var firstSeen = published.Where(e => e.Data.UserId == user).Select(e => e.Sequence).Distinct().ToList();
            Assert.Equal(Enumerable.Range(1, eventsPerUser).Select(i => (long?)i), firstSeen);
        }

        Assert.True(third.IsRunning);
    }
}
