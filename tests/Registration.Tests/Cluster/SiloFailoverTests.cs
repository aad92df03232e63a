using System.Diagnostics;
using System.Text.Json;
using AuthApi.Features;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registration.Tests.Cluster;

/// <summary>Silo processes killed (SIGKILL) or stopped while events flow: nothing lost, nothing duplicated, nothing reordered.</summary>
[Collection(HeavyOrTimed.Name)]
public sealed class SiloFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Killing_the_silo_with_most_partitions_under_load_loses_nothing_and_its_partitions_resume_within_its_detection_plus_3_s()
    {
        _system.StartTodoConsumer();
        await _system.MigrateServiceDatabasesAsync(); // the notify outbox's relays need its tables (Notifications is not started here)
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _system.StartSiloAsync()));
        var api = _system.StartAuthApi(TestAdmin.Settings);
        var admin = api.CreateClient().WithAdminKey();
        var owners = await PartitionOwners.SettledAsync(admin, silos.Length);
        var victim = silos.MaxBy(s => owners.Values.Count(o => o.StartsWith(s.SiloEndpoint, StringComparison.Ordinal)))!;
        var victimPartitions = owners.Where(o => o.Value.StartsWith(victim.SiloEndpoint, StringComparison.Ordinal)).Select(o => o.Key).ToArray();
        await using var members = new ClusterMembers(_system.ClusterId);

        var http = api.CreateClient();
        using var stop = new CancellationTokenSource();
        var registering = Task.Run(async () =>
        {
            var registered = new List<Register.Response>();
            while (!stop.IsCancellationRequested)
            {
                var pace = Task.Delay(100);
                registered.AddRange(await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => http.RegisterOkAsync())));
                await pace;
            }

            return registered;
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        var killedAt = DateTime.UtcNow;
        victim.Kill();
        var deadAt = (await Eventually.ReturnsAsync(
            async () => await members.StatusOfAsync(victim) == ClusterMembers.Dead ? DateTime.UtcNow : (DateTime?)null,
            d => d is not null,
            "the killed silo to be declared dead",
            TimeSpan.FromSeconds(30)))!.Value;
        // On a loaded machine registrations slow down (hashing runs at the lowest priority): go on until every one
        // of the victim's partitions got rows after its death was declared, so each one's resumption is measured.
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>(
                "SELECT count(DISTINCT partition) FROM outbox WHERE partition = ANY(@partitions) AND created_at > @deadAt",
                new { partitions = victimPartitions, deadAt }),
            n => n == victimPartitions.Length,
            $"registrations after the kill in each of the victim's {victimPartitions.Length} partitions",
            TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        var registered = await registering;

        await WelcomeTodoDelays.AssertWithinAsync(
            _system, output, registered, deadAt, FrozenSiloTests.AfterDetection,
            $"killed at {killedAt:HH:mm:ss.fff}, declared dead {(deadAt - killedAt).TotalSeconds:0.0} s later");
        await Eventually.ReturnsAsync(() => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0, "every event SENT");
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
