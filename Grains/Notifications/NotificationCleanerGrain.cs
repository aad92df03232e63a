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
/// <see cref="RetentionPass.MaxBatchesPerPass"/> of them. Should Orleans briefly run two activations, both only delete expired rows,
/// skipping rows the other holds. The users' order state is never deleted.
/// </summary>
public sealed partial class NotificationCleanerGrain(
    [FromKeyedServices(NotifyDatabase.Name)] NpgsqlDataSource db,
    IOptions<NotificationOptions> options,
    ILogger<NotificationCleanerGrain> logger) : Grain, INotificationCleanerGrain, IRemindable
{
    private const string KeepAliveReminder = "keep-alive";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        this.RegisterGrainTimer(CleanAsync, new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.CleanupInterval) { KeepAlive = true });
    }

    public Task EnsureRunningAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private Task CleanAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        return RetentionPass.RunAsync(
            token => DeleteBatchAsync(settings, token),
            settings.CleanupBatchSize,
            deleted =>
            {
                if (deleted > 0)
                {
                    LogDeleted(deleted);
                }
            },
            LogFailed, // the notify database unreachable or not migrated yet: the next tick tries again
            cancellationToken);
    }

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
