using Microsoft.Extensions.Options;
using Registration.Grains;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Keeps every partition's relay active: once the silo runs, and every few seconds after, it calls each partition's
/// grain, which (re)activates it where <c>PartitionPlacement</c> puts it. So a partition whose silo died is back
/// within seconds even if no registration wakes it and its reminder (at least a minute apart by default) has not
/// ticked yet; it also starts the relays once the outbox schema exists when the silo started before AuthApi. It starts
/// the cluster's one processed_events cleaner (<see cref="IDedupKeyCleanerGrain"/>) the same way.
/// </summary>
public sealed partial class RelayStarter(IGrainFactory grains, IHostApplicationLifetime lifetime, IOptions<OutboxOptions> options, ILogger<RelayStarter> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var started = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStarted);
        await Task.Delay(Timeout.Infinite, started.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.WhenAll(Enumerable.Range(0, options.Value.Partitions).Select(async partition =>
            {
                try
                {
                    await grains.GetGrain<IOutboxRelayGrain>(partition).GetStateAsync().WaitAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogNotStarted(partition, ex.Message);
                }
            }));
            await StartDedupKeyCleanerAsync(stoppingToken);
            await Task.Delay(Interval, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The cluster's one processed_events cleaner: started the same way, so it is back within seconds after its silo died.</summary>
    private async Task StartDedupKeyCleanerAsync(CancellationToken stoppingToken)
    {
        try
        {
            await grains.GetGrain<IDedupKeyCleanerGrain>(IDedupKeyCleanerGrain.Key).EnsureRunningAsync().WaitAsync(stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogCleanerNotStarted(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The processed_events cleaner is not reachable, retrying: {Reason}")]
    private partial void LogCleanerNotStarted(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of outbox partition {Partition} not reachable, retrying: {Reason}")]
    private partial void LogNotStarted(int partition, string reason);
}
