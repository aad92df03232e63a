using System.Text.Json;
using Dapper;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Grains;
using Registration.Grains.Outbox;
using Registration.Messaging.Broker;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Grains;

/// <summary>The outbox partitions' relay grains on a two-silo cluster, against real PostgreSQL, RabbitMQ and Redis.</summary>
public sealed class RelayGrainTests : IAsyncLifetime
{
    private const int Partitions = 16;

    private TestSystem _system = null!;
    private RelayCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _cluster = await RelayCluster.StartAsync(_system);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Every_partition_has_one_relay_on_the_silo_its_placement_picks()
    {
        // The first silo started every relay before the second joined: those the second outweighs move.
        var states = await SettledAsync();

        Assert.Equal(Enumerable.Range(0, Partitions).Select(p => (short)p), states.Select(s => s.Partition));
        foreach (var state in states)
        {
            Assert.Equal(await EpochAsync(state.Partition), state.Epoch);
        }
    }

    [Fact]
    public async Task Rows_are_published_in_id_order_and_marked_SENT_only_after_their_confirm()
    {
        var audit = await _system.BindAuditQueueAsync();
        var rows = new List<(long Id, Guid EventId, short Partition)>();
        for (var i = 0; i < 40; i++)
        {
            rows.Add(await InsertRowAsync((short)(i % 3)));
        }

        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "every row SENT");
        var published = (await _system.DrainAsync(audit)).Select(m => Guid.Parse(m.BasicProperties.MessageId!)).ToList();
        Assert.Equal(rows.Count, published.Distinct().Count());
        foreach (var partition in rows.GroupBy(r => r.Partition))
        {
            var expected = partition.OrderBy(r => r.Id).Select(r => r.EventId).ToList();
            Assert.Equal(expected, published.Where(expected.Contains).Distinct().ToList());
        }
    }

    [Fact]
    public async Task A_stale_activation_changes_nothing_and_a_new_activation_sends_the_row()
    {
        const short partition = 5;
        // Settled first: partitions started on the first silo move once the second joins, and a move takes a new epoch.
        await SettledAsync();
        var grain = _cluster.Grains.GetGrain<IOutboxRelayGrain>(partition);
        var stale = await grain.GetStateAsync();
        // Another activation of the same partition took the next epoch (single activation is eventually consistent).
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE outbox_epochs SET epoch = epoch + 1 WHERE partition = @partition", new { partition });
        }

        var audit = await _system.BindAuditQueueAsync();
        var row = await InsertRowAsync(partition);

        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "the row SENT by a newer activation", TimeSpan.FromSeconds(20));
        var current = await grain.GetStateAsync();
        Assert.True(current.Epoch >= stale.Epoch + 2, $"a new activation took a newer epoch than {stale.Epoch + 1} (now {current.Epoch})");
        Assert.Equal(await EpochAsync(partition), current.Epoch);
        // The stale activation finds its epoch replaced before it claims anything: it publishes nothing and steps aside.
        var copies = (await _system.DrainAsync(audit)).Count(m => m.BasicProperties.MessageId == row.EventId.ToString());
        Assert.Equal(1, copies);
    }

    [Fact]
    public async Task A_partition_relay_comes_back_on_the_other_silo_by_its_reminder_after_its_silo_stops()
    {
        var secondary = _cluster.Cluster.Silos.Single(s => s.SiloAddress != _cluster.Cluster.Silos[0].SiloAddress);
        var moved = (await Eventually.ReturnsAsync(AllStatesAsync, s => s.Any(p => p.Silo == secondary.SiloAddress.ToString()), "partitions on the second silo"))
            .Where(s => s.Silo == secondary.SiloAddress.ToString()).ToList();

        await _cluster.Cluster.StopSiloAsync(secondary);
        // Nothing calls the grains: only their reminders can bring them back.
        foreach (var state in moved)
        {
            await InsertRowAsync(state.Partition);
        }

        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "the rows of the stopped silo's partitions SENT by the survivor", TimeSpan.FromSeconds(30));
        foreach (var state in moved)
        {
            var now = await _cluster.Grains.GetGrain<IOutboxRelayGrain>(state.Partition).GetStateAsync();
            Assert.NotEqual(state.Silo, now.Silo);
            Assert.True(now.Epoch > state.Epoch);
        }
    }

    [Fact]
    public async Task An_unroutable_event_stays_pending_with_its_error_and_is_sent_once_routable()
    {
        // Both silos' relay connections are open (a new one declares the topology, which would bind the queue again).
        var states = await SettledAsync();
        foreach (var silo in _cluster.Cluster.Silos)
        {
            await InsertRowAsync(states.First(s => s.Silo == silo.SiloAddress.ToString()).Partition);
        }

        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "a row of each silo SENT");

        await using (var connection = await _system.ConnectBrokerAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            // Every queue that takes the event (notifications_queue too), or it would still be routed.
            foreach (var queue in QueueContract.All.Where(q => q.RoutingKeys.Contains(Topology.UserRegisteredRoutingKey)))
            {
                await channel.QueueUnbindAsync(queue.Queue, Topology.Exchange, Topology.UserRegisteredRoutingKey);
            }
        }

        var row = await InsertRowAsync(3);
        var failed = await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<string>("SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '') FROM outbox WHERE id = @id", new { id = row.Id }),
            s => s.StartsWith("PENDING", StringComparison.Ordinal) && !s.StartsWith("PENDING 0", StringComparison.Ordinal),
            "the returned event kept PENDING with an attempt and its error");
        Assert.Contains("unroutable", failed, StringComparison.Ordinal);

        // Declaring the topology binds the queue again.
        await (await _system.ConnectBrokerAsync()).DisposeAsync();
        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "the event SENT once routable", TimeSpan.FromSeconds(20));
        Assert.Equal(3u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));
    }

    [Fact]
    public async Task After_a_nack_in_the_middle_of_a_batch_no_later_row_of_the_partition_is_SENT_before_the_nacked_one()
    {
        var audit = await _system.BindAuditQueueAsync();
        // A second queue on the route that rejects any message that would take it over 2,000 bytes: the broker nacks the
        // big message (whatever the other queues did with it) and acks the small ones before and after it, on every retry.
        const string limited = "size_limited";
        await using (var connection = await _system.ConnectBrokerAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(limited, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-max-length-bytes"] = 2000, ["x-overflow"] = "reject-publish" });
            await channel.QueueBindAsync(limited, Topology.Exchange, Topology.UserRegisteredRoutingKey);
        }

        var sizes = new[] { 100, 100, 3000, 100, 100 }; // the small ones (about 150 bytes each) fit many times, the big one never
        var rows = await InsertBatchAsync(partition: 5, sizes);
        var (small, big, after) = (rows[..2], rows[2], rows[3..]);

        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<int>("SELECT attempts FROM outbox WHERE id = @id", new { id = big.Id }),
            a => a >= 2,
            "the big row nacked twice");
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM outbox WHERE id = ANY(@ids) AND status = 'SENT'", small));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM outbox WHERE id = ANY(@ids) AND status = 'SENT'", [big, .. after]));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM outbox WHERE id = ANY(@ids) AND attempts > 0", after)); // held back, not failed
        Assert.Contains("nack", await _system.AuthScalarAsync<string>("SELECT last_error FROM outbox WHERE id = @id", new { id = big.Id }), StringComparison.Ordinal);

        await using (var connection = await _system.ConnectBrokerAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(limited);
        }

        await Eventually.ReturnsAsync(() => PendingAsync(), n => n == 0, "every row SENT once the broker takes the big one", TimeSpan.FromSeconds(20));
        await using var db = await _system.AuthDb.OpenConnectionAsync();
        var sentAt = (await db.QueryAsync<DateTime>("SELECT sent_at FROM outbox WHERE id = ANY(@ids) ORDER BY id", new { ids = rows.Select(r => r.Id).ToArray() })).ToList();
        Assert.Equal(sentAt.Order(), sentAt); // SENT in id order
        Assert.True(sentAt[2] > sentAt[1], "the big row was SENT after the rows before it, on its retry");

        // Every message reached the other queues at least once, and the first copies arrived in id order.
        var arrived = (await _system.DrainAsync(audit)).Select(m => Guid.Parse(m.BasicProperties.MessageId!)).ToList();
        Assert.Equal(rows.Select(r => r.EventId), arrived.Distinct());
    }

    private async Task<long> CountAsync(string sql, IEnumerable<(long Id, Guid EventId)> rows) =>
        await _system.AuthScalarAsync<long>(sql, new { ids = rows.Select(r => r.Id).ToArray() });

    /// <summary>Rows of one partition in one transaction, so that one relay step claims them together; payloads padded to about the given sizes.</summary>
    private async Task<(long Id, Guid EventId)[]> InsertBatchAsync(short partition, int[] sizes)
    {
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var rows = new List<(long, Guid)>();
        foreach (var size in sizes)
        {
            Guid userId;
            do
            {
                userId = Guid.NewGuid();
            }
            while (OutboxPartitioner.PartitionOf(userId, Partitions) != partition);

            var eventId = Guid.NewGuid();
            var id = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload)
                VALUES (@eventId, @type, @userId, @partition, @payload::json) RETURNING id
                """,
                new { eventId, type = UserRegistered.Type, userId, partition, payload = JsonSerializer.Serialize(new { eventId, padding = new string('x', size) }) },
                transaction);
            rows.Add((id, eventId));
        }

        await transaction.CommitAsync();
        return [.. rows];
    }

    /// <summary>Every partition's relay, once each runs on the silo <see cref="PartitionPlacement"/> picks among the cluster's silos.</summary>
    private Task<List<RelayPartitionState>> SettledAsync()
    {
        var silos = _cluster.Cluster.Silos.Select(s => s.SiloAddress).ToList();
        return Eventually.ReturnsAsync(
            AllStatesAsync, states => states.All(s => s.Silo == PartitionPlacement.OwnerOf(s.Partition, silos).ToString()), "every partition on the silo its placement picks");
    }

    private async Task<List<RelayPartitionState>> AllStatesAsync() =>
        [.. (await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => _cluster.Grains.GetGrain<IOutboxRelayGrain>(p).GetStateAsync()))).OrderBy(s => s.Partition)];

    private Task<long> EpochAsync(short partition) =>
        _system.AuthScalarAsync<long>("SELECT epoch FROM outbox_epochs WHERE partition = @partition", new { partition });

    private Task<long> PendingAsync() => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'");

    /// <summary>An outbox row of a user whose id falls in <paramref name="partition"/>, committed without waking anybody.</summary>
    private async Task<(long Id, Guid EventId, short Partition)> InsertRowAsync(short partition)
    {
        Guid userId;
        do
        {
            userId = Guid.NewGuid();
        }
        while (OutboxPartitioner.PartitionOf(userId, Partitions) != partition);

        var eventId = Guid.NewGuid();
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        var id = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload)
            VALUES (@eventId, @type, @userId, @partition, @payload::json) RETURNING id
            """,
            new { eventId, type = UserRegistered.Type, userId, partition, payload = JsonSerializer.Serialize(JsonDocument.Parse(TestEvents.UserRegisteredBody(eventId, userId))) });
        return (id, eventId, partition);
    }
}
