using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Grains.Retention;
using Registration.Messaging.Notifications;

namespace Registration.Grains.Notifications;

/// <summary>
/// Deletes notifications older than Notifications:Retention (by created_at), in batches of Notifications:CleanupBatchSize,
/// on a timer every Notifications:CleanupInterval; a pass goes on while batches come back full, at most
/// <see cref="CleanerGrain.MaxBatchesPerPass"/> of them. Should Orleans briefly run two activations, both only delete expired rows,
/// skipping rows the other holds. The users' order state is never deleted.
/// </summary>
public sealed partial class NotificationCleanerGrain(
    [FromKeyedServices(NotifyDatabase.Name)] NpgsqlDataSource db,
    IOptions<NotificationOptions> options,
    ILogger<NotificationCleanerGrain> logger) : CleanerGrain, INotificationCleanerGrain
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override int BatchSize => options.Value.CleanupBatchSize;

    protected override Task<int> DeleteBatchAsync(CancellationToken cancellationToken) => DeleteBatchAsync(options.Value, cancellationToken);

    protected override void Deleted(int count)
    {
        if (count > 0)
        {
            LogDeleted(count);
        }
    }

    // The notify database unreachable or not migrated yet: the next tick tries again.
    protected override void Failed(string reason) => LogFailed(reason);

    private async Task<int> DeleteBatchAsync(NotificationOptions settings, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            WITH expired AS (
                SELECT id FROM notifications
                WHERE created_at < now() - @retention
                ORDER BY created_at
                LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            DELETE FROM notifications n USING expired x WHERE n.id = x.id
            """);
        command.Parameters.AddWithValue("retention", settings.Retention);
        command.Parameters.AddWithValue("limit", settings.CleanupBatchSize);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} notifications past Notifications:Retention deleted")]
    private partial void LogDeleted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting notifications past Notifications:Retention failed, tried again at the next interval: {Reason}")]
    private partial void LogFailed(string reason);
}
