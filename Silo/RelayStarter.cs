using Microsoft.Extensions.Options;
using Registration.Grains;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Activates every partition's relay once the silo runs; each activation registers its keep-alive reminder, which
/// brings the relay back from then on. Until every partition answered (the outbox schema may not exist yet, the
/// database may be down) it tries again every few seconds.
/// </summary>
public sealed partial class RelayStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, IOptions<OutboxOptions> options, ILogger<RelayStarter> logger) : BackgroundService
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Delay(Timeout.Infinite, lifetime.ApplicationStarted).ContinueWith(_ => { }, TaskScheduler.Default);
        var partitions = Enumerable.Range(0, options.Value.Partitions).ToList();
        while (partitions.Count > 0 && !stoppingToken.IsCancellationRequested)
        {
            var started = await Task.WhenAll(partitions.Select(async p =>
            {
                try
                {
                    await grains.GetGrain<IOutboxRelayGrain>(p).GetStateAsync().WaitAsync(stoppingToken);
                    return p;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogNotStarted(p, ex.Message);
                    return -1;
                }
            }));
            partitions.RemoveAll(started.Contains);
            if (partitions.Count > 0)
            {
                await Task.Delay(RetryDelay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of outbox partition {Partition} not started yet, retrying: {Reason}")]
    private partial void LogNotStarted(int partition, string reason);
}
