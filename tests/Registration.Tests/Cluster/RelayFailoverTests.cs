using System.Diagnostics;
using AuthApi.Features;
using Registration.Contracts;
using Registration.Messaging.Membership;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>Several relays on one outbox: partitions shared, a killed relay replaced within the TTL, a stale relay fenced off.</summary>
[Collection(HeavyOrTimed.Name)]
public sealed class RelayFailoverTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Killed_relays_partitions_are_taken_over_within_the_ttl_and_every_event_arrives_once()
    {
        _system.StartTodoService(FastCluster.Settings);
        var survivor = _system.StartAuthApi(FastCluster.Settings);
        var victim = _system.StartAuthApi(FastCluster.Settings);
        await Eventually.ReturnsAsync(
            () => _system.LeaseOwnersAsync(),
            owners => owners.Count == 2 && owners.Values.All(n => n == 4),
            "two relays holding 4 of the 8 partitions each");

        var http = survivor.CreateClient();
        var registered = new List<Register.Response>();
        for (var wave = 0; wave < 3; wave++)
        {
            registered.AddRange(await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.RegisterOkAsync())));
        }

        // Kill while registrations keep coming (some of them land in the victim's partitions, in flight).
        var writing = Task.Run(async () =>
        {
            var more = new List<Register.Response>();
            for (var wave = 0; wave < 4; wave++)
            {
                more.AddRange(await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.RegisterOkAsync())));
            }

            return more;
        });
        await Task.Delay(200);
        var survivorId = survivor.InstanceId();
        var killedAt = Stopwatch.StartNew();
        await victim.KillAsync();

        await Eventually.ReturnsAsync(
            () => _system.LeaseOwnersAsync(),
            owners => owners.Count == 1 && owners.GetValueOrDefault(survivorId) == 8,
            "the survivor to own all 8 partitions",
            FastCluster.LeaseTtl * 3);
        var takeover = killedAt.Elapsed;
        registered.AddRange(await writing);

        await Eventually.ReturnsAsync(() => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0, "every event SENT");
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos WHERE title = 'Welcome to the App'"),
            n => n == registered.Count,
            $"a welcome todo for each of the {registered.Count} users");
        Assert.Equal((long)registered.Count, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"));
        Assert.True(takeover < FastCluster.LeaseTtl + TimeSpan.FromSeconds(2), $"takeover took {takeover.TotalSeconds:0.0} s with a TTL of {FastCluster.LeaseTtl.TotalSeconds} s");
    }

    [Fact]
    public async Task A_relay_that_lost_its_lease_cannot_mark_rows()
    {
        var audit = await _system.BindAuditQueueAsync();
        var api = _system.StartAuthApi(FastCluster.With(("Outbox:RelayEnabled", "false")));
        var registered = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => api.CreateClient().RegisterOkAsync()));

        // A relay takes every partition, claims and publishes the rows, then stalls past its lease TTL.
        var stale = new PartitionLeases(
            _system.AuthDb,
            new InstanceIdentity("stale-relay", [PartitionLeases.RelayWorker]),
            Microsoft.Extensions.Options.Options.Create(new OutboxOptions { Partitions = 8, LeaseTtl = TimeSpan.FromSeconds(1) }),
            Microsoft.Extensions.Options.Options.Create(new MembershipOptions()));
        await stale.RefreshAsync(CancellationToken.None);
        var fence = new LeaseFence("stale-relay", stale.Owned);
        Assert.Equal(8, fence.Leases.Count);

        await using var broker = await _system.ConnectBrokerAsync();
        await using var channel = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(10));
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var rows = await OutboxStore.ClaimAsync(connection, transaction, [.. fence.Leases.Keys], 10, CancellationToken.None);
        var (confirmed, _) = await OutboxPublisher.PublishAsync(channel, rows, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(3, confirmed.Count);

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the pause: the lease expires
        var successor = _system.StartAuthApi(FastCluster.Settings);
        await Eventually.ReturnsAsync(
            () => _system.LeaseOwnersAsync(),
            owners => owners.GetValueOrDefault(successor.InstanceId()) == 8,
            "the successor to take the expired leases (raising their fencing tokens)");

        var marked = await OutboxStore.RecordAsync(connection, transaction, fence, confirmed, [], CancellationToken.None);
        await transaction.CommitAsync();

        Assert.Equal(0, marked);
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'SENT'"),
            n => n == 3,
            "the successor to publish the rows again and mark them SENT");
        var published = await _system.DrainAsync(audit);
        foreach (var user in registered)
        {
            Assert.Equal(2, published.Count(m => m.BasicProperties.MessageId == user.EventId.ToString()));
        }
    }

    [Fact]
    public async Task A_users_events_leave_in_commit_order_across_relays_and_failovers()
    {
        var audit = await _system.BindAuditQueueAsync();
        var first = _system.StartAuthApi(FastCluster.With(("Outbox:BatchSize", "7")));
        var second = _system.StartAuthApi(FastCluster.With(("Outbox:BatchSize", "7")));
        var writer = new OutboxWriter(Microsoft.Extensions.Options.Options.Create(new OutboxOptions { Partitions = 8 }));
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
                    await writer.AddAsync(connection, transaction, new OutboxMessage(message.EventId, message.EventType, user, System.Text.Json.JsonSerializer.Serialize(message, EventJson.Options), new Dictionary<string, string>()), CancellationToken.None);
                    await transaction.CommitAsync();
                }
            }
        });

        await Task.Delay(300);
        await first.KillAsync();
        var third = _system.StartAuthApi(FastCluster.With(("Outbox:BatchSize", "7")));
        await Task.Delay(300);
        await second.StopAsync();
        await writing;

        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"),
            n => n == 0,
            "every event SENT by the surviving relay",
            TimeSpan.FromSeconds(30));
        var published = (await _system.DrainAsync(audit))
            .Select(m => System.Text.Json.JsonSerializer.Deserialize<UserRegistered>(m.Body.Span, EventJson.Options)!)
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
