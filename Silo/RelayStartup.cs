using Microsoft.Extensions.Options;
using Registration.Grains;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>Activates every partition's relay at silo start; each activation registers its keep-alive reminder.</summary>
public sealed partial class RelayStartup(IGrainFactory grains, IOptions<OutboxOptions> options, ILogger<RelayStartup> logger) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        var partitions = Enumerable.Range(0, options.Value.Partitions);
        try
        {
            await Task.WhenAll(partitions.Select(p => grains.GetGrain<IOutboxRelayGrain>(p).GetStateAsync())).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Registrations wake their partition's relay anyway, and the reminders of earlier starts still tick.
            LogNotStarted(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not every outbox relay could be started with the silo; they start on the next wake or reminder tick: {Reason}")]
    private partial void LogNotStarted(string reason);
}
