using Microsoft.Extensions.Options;
using Registration.Grains;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Starts the relay of every partition of every outbox and the three cleaners (processed_events, notifications, refresh_tokens) once, when the silo starts. Each registers
/// its keep-alive reminder on activation, and from then on the reminder alone keeps it alive: a tick activates the grain
/// wherever its placement puts it, so a grain whose silo died is back on a survivor within the cluster's detection of
/// that death plus one period (Outbox:KeepAlivePeriod), even if nothing calls it.
/// </summary>
public sealed partial class GrainStarter(IGrainFactory grains, IOptions<OutboxOptions> options, ILogger<GrainStarter> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        foreach (var outbox in Outboxes.All)
        {
            for (var partition = 0; partition < options.Value.Partitions; partition++)
            {
                // One-way: a relay whose activation fails (the database not reachable yet) is retried by its reminder.
                await grains.Relay(outbox, (short)partition).Wake();
            }
        }

        await StartCleanerAsync("processed_events", grains.GetGrain<IDedupKeyCleanerGrain>(IDedupKeyCleanerGrain.Key).EnsureRunningAsync(), cancellationToken);
        await StartCleanerAsync("notifications", grains.GetGrain<INotificationCleanerGrain>(INotificationCleanerGrain.Key).EnsureRunningAsync(), cancellationToken);
        await StartCleanerAsync("refresh_tokens", grains.GetGrain<IRefreshTokenCleanerGrain>(IRefreshTokenCleanerGrain.Key).EnsureRunningAsync(), cancellationToken);
    }

    private async Task StartCleanerAsync(string table, Task starting, CancellationToken cancellationToken)
    {
        try
        {
            await starting.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCleanerNotStarted(table, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Table} cleaner did not start; its reminder, if registered before, or the next silo start tries again: {Reason}")]
    private partial void LogCleanerNotStarted(string table, string reason);
}
