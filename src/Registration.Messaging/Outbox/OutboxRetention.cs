using Microsoft.Extensions.Options;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Deletes one batch of a partition's SENT rows older than Outbox:Retention, oldest first, and counts them in
/// outbox_retention in the same statement. PENDING rows are never touched, however old. Only the activation holding
/// the partition's current epoch deletes (a stale one deletes nothing), and rows another transaction holds are
/// skipped, so it never waits for the relay. Nothing is deleted while a row committed within the last
/// Outbox:RetentionInterval, in any partition, still waits to be relayed: the relays share the database with the
/// deletes, and a burst of registrations is relayed first. (An older waiting row, one the broker keeps refusing, does
/// not hold retention back.)
/// </summary>
public sealed class OutboxRetention(NpgsqlDataSource db, IOptions<OutboxOptions> options)
{
    /// <returns>The rows deleted, or null when nothing was deleted because rows wait to be relayed.</returns>
    public async Task<int?> DeleteExpiredAsync(EpochFence fence, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var command = db.CreateCommand(
            """
            WITH relaying AS (SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'PENDING' AND created_at > now() - @interval) AS busy),
            expired AS (
                SELECT o.id FROM outbox o
                WHERE o.partition = @partition AND o.status = 'SENT' AND o.sent_at < now() - @retention
                  AND EXISTS (SELECT 1 FROM outbox_epochs e WHERE e.partition = @partition AND e.epoch = @epoch)
                  AND NOT (SELECT busy FROM relaying)
                ORDER BY o.sent_at
                LIMIT @limit
                FOR UPDATE OF o SKIP LOCKED),
            deleted AS (
                DELETE FROM outbox o USING expired x WHERE o.id = x.id AND o.status = 'SENT' RETURNING o.id),
            counted AS (
                INSERT INTO outbox_retention AS r (partition, deleted, last_deleted_at)
                SELECT @partition, count(*), now() FROM deleted HAVING count(*) > 0
                ON CONFLICT (partition) DO UPDATE SET deleted = r.deleted + excluded.deleted, last_deleted_at = excluded.last_deleted_at)
            SELECT CASE WHEN (SELECT busy FROM relaying) THEN NULL ELSE count(*)::int END FROM deleted
            """);
        command.Parameters.AddWithValue("partition", fence.Partition);
        command.Parameters.AddWithValue("epoch", fence.Epoch);
        command.Parameters.AddWithValue("retention", settings.Retention);
        command.Parameters.AddWithValue("limit", settings.RetentionBatchSize);
        command.Parameters.AddWithValue("interval", settings.RetentionInterval);
        return await command.ExecuteScalarAsync(cancellationToken) is int deleted ? deleted : null;
    }
}
