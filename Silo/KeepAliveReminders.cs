using Microsoft.Extensions.Options;
using Orleans.Timers;
using Registration.Grains;
using Registration.Grains.Outbox;
using Registration.Grains.Users;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Registers, when the silo starts, the reminders that keep every outbox partition's relay and the processed_events
/// cleaner alive: the one mechanism that does. A reminder's tick activates its grain wherever the grain's placement
/// puts it, so a grain whose silo died is back on a survivor within the cluster's detection of that death plus one
/// period (Outbox:KeepAlivePeriod), even if nothing calls it. Registering is idempotent (Redis keeps one reminder per
/// grain and name) and needs no database: the first ticks come at once and activate every relay.
/// </summary>
public sealed partial class KeepAliveReminders(
    IReminderRegistry reminders, IGrainFactory grains, IOptions<OutboxOptions> options, ILogger<KeepAliveReminders> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var period = options.Value.KeepAlivePeriod;
        var relays = Enumerable.Range(0, options.Value.Partitions).Select(p => grains.GetGrain<IOutboxRelayGrain>(p).GetGrainId());
        await Task.WhenAll(relays.Select(relay =>
            reminders.RegisterOrUpdateReminder(relay, OutboxRelayGrain.KeepAliveReminder, TimeSpan.Zero, period, cancellationToken)));
        var cleaner = grains.GetGrain<IDedupKeyCleanerGrain>(IDedupKeyCleanerGrain.Key).GetGrainId();
        await reminders.RegisterOrUpdateReminder(cleaner, DedupKeyCleanerGrain.KeepAliveReminder, TimeSpan.Zero, DedupKeyCleanerGrain.KeepAlivePeriod, cancellationToken);
        LogRegistered(options.Value.Partitions, period);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Keep-alive reminders registered for {Partitions} relay partitions (every {Period}) and the processed_events cleaner")]
    private partial void LogRegistered(int partitions, TimeSpan period);
}
