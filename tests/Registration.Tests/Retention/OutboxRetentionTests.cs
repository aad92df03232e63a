using Dapper;
using Registration.Contracts;
using Registration.Grains;
using Registration.Messaging.Outbox;
using Registration.Tests.Grains;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Retention;

/// <summary>Each partition's relay grain deletes its SENT rows past Outbox:Retention, in small batches, and nothing else.</summary>
public sealed class OutboxRetentionTests : IAsyncLifetime
{
    private const int Partitions = 16;
    private const int BatchSize = 7;

    private TestSystem _system = null!;
    private RelayCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _cluster = await RelayCluster.StartAsync(
            _system,
            silos: 1,
            ("Outbox:RetentionInterval", "00:00:00.200"),
            ("Outbox:RetentionBatchSize", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Sent_rows_past_the_retention_are_deleted_in_batches_and_recent_and_pending_rows_are_kept()
    {
        using var metrics = new MetricsProbe(_cluster.Cluster.Silos[0].ServiceProvider);
        // Several batches' worth in two partitions, and a few elsewhere; the default retention is 7 days.
        var expired = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            expired.Add(await InsertAsync((short)(i < 12 ? 2 : i < 24 ? 9 : i % Partitions), "SENT", sentDaysAgo: 8));
        }

        var recent = new List<long>();
        for (var i = 0; i < 10; i++)
        {
            recent.Add(await InsertAsync((short)(i < 5 ? 2 : 9), "SENT", sentDaysAgo: 6));
        }

        // PENDING however old is never deleted, even with a sent_at (a row waiting for its retry: not relayed meanwhile).
        var pending = await InsertAsync(2, "PENDING", sentDaysAgo: 30, retryingForADay: true);

        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = ANY(@expired)", new { expired }),
            n => n == 0, "every SENT row past the retention deleted", TimeSpan.FromSeconds(30));

        Assert.Equal(recent.Count, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = ANY(@recent)", new { recent }));
        Assert.Equal("PENDING", await _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE id = @pending", new { pending }));
        Assert.Equal(expired.Count, await _system.AuthScalarAsync<long>("SELECT coalesce(sum(deleted), 0)::bigint FROM outbox_retention"));
        Assert.Equal(12L, await _system.AuthScalarAsync<long>("SELECT deleted FROM outbox_retention WHERE partition = 2"));
        await Eventually.ReturnsAsync(
            () => Task.FromResult(metrics.Sum("registration.outbox.retention.deleted", Outboxes.Auth)), n => n == expired.Count,
            "the deleted rows counted in registration.outbox.retention.deleted");
    }

    [Fact]
    public async Task Only_the_activation_holding_the_partitions_current_epoch_deletes()
    {
        // A partition no relay grain owns (beyond Outbox:Partitions), so only this test's calls touch it.
        const short partition = 99;
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO outbox_epochs (partition, epoch) VALUES (@partition, 5)", new { partition });
        }

        var row = await InsertAsync(partition, "SENT", sentDaysAgo: 8);
        var retention = new OutboxRetention(_system.AuthDb, Microsoft.Extensions.Options.Options.Create(new OutboxOptions()));

        Assert.Equal(0, await retention.DeleteExpiredAsync(new EpochFence(partition, 4), CancellationToken.None));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = @row", new { row }));
        Assert.Equal(1, await retention.DeleteExpiredAsync(new EpochFence(partition, 5), CancellationToken.None));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = @row", new { row }));
    }

    [Fact]
    public async Task Nothing_is_deleted_while_a_recent_row_waits_to_be_relayed_in_any_partition()
    {
        // Partitions no relay grain owns (beyond Outbox:Partitions), so only this test's calls touch them.
        const short partition = 97;
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("INSERT INTO outbox_epochs (partition, epoch) VALUES (@partition, 1)", new { partition });
        }

        var expired = await InsertAsync(partition, "SENT", sentDaysAgo: 8);
        var waiting = await InsertAsync(98, "PENDING", sentDaysAgo: 0, committedNow: true);
        var retention = new OutboxRetention(_system.AuthDb, Microsoft.Extensions.Options.Options.Create(new OutboxOptions()));

        Assert.Null(await retention.DeleteExpiredAsync(new EpochFence(partition, 1), CancellationToken.None));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = @expired", new { expired }));

        // Relayed: the expired row goes on the next pass.
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync("UPDATE outbox SET status = 'SENT', sent_at = now() WHERE id = @waiting", new { waiting });
        }

        Assert.Equal(1, await retention.DeleteExpiredAsync(new EpochFence(partition, 1), CancellationToken.None));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE id = @expired", new { expired }));
    }

    private async Task<long> InsertAsync(short partition, string status, int sentDaysAgo, bool retryingForADay = false, bool committedNow = false)
    {
        var userId = Guid.NewGuid();
        while (partition < Partitions && OutboxPartitioner.PartitionOf(userId, Partitions) != partition)
        {
            userId = Guid.NewGuid();
        }

        var eventId = Guid.NewGuid();
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload, status, attempts, next_attempt_at, created_at, sent_at)
            VALUES (@eventId, @type, @userId, @partition, '{}'::json, @status, @attempts,
                    now() + CASE WHEN @retrying THEN interval '1 day' ELSE interval '0' END,
                    CASE WHEN @committedNow THEN now() ELSE now() - make_interval(days => @days + 1) END, now() - make_interval(days => @days))
            RETURNING id
            """,
            new { eventId, type = UserRegistered.Type, userId, partition, status, attempts = retryingForADay ? 3 : 0, retrying = retryingForADay, days = sentDaysAgo, committedNow });
    }
}
