using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Grains.Retention;
using Registration.Messaging.Consuming;

namespace Registration.Grains.Users;

/// <summary>
/// Deletes processed_events keys older than Consumer:DedupWindow (by processed_at), in batches of
/// Consumer:DedupCleanupBatchSize, on a timer every Consumer:DedupCleanupInterval; a pass goes on while batches come
/// back full, at most <see cref="CleanerGrain.MaxBatchesPerPass"/> of them. Todos are never deleted. Should Orleans briefly run two
/// activations, both only delete expired keys, skipping rows the other holds.
/// </summary>
public sealed partial class DedupKeyCleanerGrain(
    [FromKeyedServices(TodoDatabase.Name)] NpgsqlDataSource db,
    ConsumerMetrics metrics,
    IOptions<ConsumerOptions> options,
    ILogger<DedupKeyCleanerGrain> logger) : CleanerGrain, IDedupKeyCleanerGrain
{
    protected override TimeSpan Interval => options.Value.DedupCleanupInterval;

    protected override int BatchSize => options.Value.DedupCleanupBatchSize;

    protected override Task<int> DeleteBatchAsync(CancellationToken cancellationToken) => DeleteBatchAsync(options.Value, cancellationToken);

    protected override void Deleted(int count)
    {
        metrics.DedupKeysDeleted(count);
        if (count > 0)
        {
            LogDeleted(count);
        }
    }

    // The todo database unreachable or not migrated yet: the next tick tries again.
    protected override void Failed(string reason) => LogFailed(reason);

    private async Task<int> DeleteBatchAsync(ConsumerOptions settings, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            WITH expired AS (
                SELECT event_id FROM processed_events
                WHERE processed_at < now() - @window
                ORDER BY processed_at
                LIMIT @limit
                FOR UPDATE SKIP LOCKED),
            deleted AS (
                DELETE FROM processed_events p USING expired x WHERE p.event_id = x.event_id RETURNING p.event_id),
            counted AS (
                INSERT INTO processed_events_retention AS r (id, deleted, last_deleted_at)
                SELECT 1, count(*), now() FROM deleted HAVING count(*) > 0
                ON CONFLICT (id) DO UPDATE SET deleted = r.deleted + excluded.deleted, last_deleted_at = excluded.last_deleted_at)
            SELECT count(*)::int FROM deleted
            """);
        command.Parameters.AddWithValue("window", settings.DedupWindow);
        command.Parameters.AddWithValue("limit", settings.DedupCleanupBatchSize);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Count} processed_events keys past the dedup window deleted")]
    private partial void LogDeleted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting processed_events keys past the dedup window failed, tried again at the next interval: {Reason}")]
    private partial void LogFailed(string reason);
}
