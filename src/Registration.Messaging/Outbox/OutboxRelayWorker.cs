using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Messaging.Membership;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Data;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Hosts the relay: keeps confirm channels to the broker, one per lane (reconnecting with backoff, never
/// crashing the process), and drains each lane's share of the leased partitions whenever
/// <see cref="OutboxSignal"/> fires or the poll interval passes.
/// </summary>
public sealed partial class OutboxRelayWorker(
    OutboxRelay relay,
    OutboxSignal signal,
    PartitionLeases leases,
    InstanceIdentity me,
    OutboxMetrics metrics,
    BrokerSupervisor supervisor,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelayWorker> logger) : BackgroundService
{
    private const string WorkerName = "outbox-relay";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(signal.ListenAsync(stoppingToken), MaintainLeasesAsync(stoppingToken), RelayAsync(stoppingToken));

    /// <summary>Stops relaying, then gives the partitions back so that a survivor takes them at once.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await leases.ReleaseAllAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            LogReleaseFailed(ex.Message);
        }
    }

    private async Task MaintainLeasesAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await leases.RefreshAsync(stoppingToken))
                {
                    LogPartitions(string.Join(",", leases.Owned.Keys.Order()));
                    signal.Wake();
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogLeasesLost(ex.Message);
            }

            await Pause.ForAsync(settings.LeaseTtl / 3, stoppingToken);
        }
    }

    private Task RelayAsync(CancellationToken stoppingToken) =>
        supervisor.RunAsync(WorkerName, async (connection, ready, cancellationToken) =>
        {
            var lanes = options.Value.Lanes;
            var channels = new List<RabbitMQ.Client.IChannel>(lanes);
            using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                for (var lane = 0; lane < lanes; lane++)
                {
                    channels.Add(await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(options.Value.BatchSize), cancellationToken));
                }

                await BrokerTopology.DeclareAsync(channels[0], cancellationToken);
                ready();
                var running = channels.Select((channel, lane) => RunLaneAsync(channel, lane, lanes, session.Token)).ToList();
                // One lane's channel closing ends the session: the supervisor starts all lanes again on a fresh connection.
                await Task.WhenAny(running);
                await session.CancelAsync();
                await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
                cancellationToken.ThrowIfCancellationRequested();
                if (running.FirstOrDefault(t => t.IsFaulted) is { } failed)
                {
                    await failed;
                }

                return channels.Select(c => c.CloseReason?.ReplyText).FirstOrDefault(r => r is not null) ?? "channel closed";
            }
            finally
            {
                foreach (var channel in channels)
                {
                    await channel.DisposeAsync();
                }
            }
        }, stoppingToken);

    private async Task RunLaneAsync(RabbitMQ.Client.IChannel channel, int lane, int lanes, CancellationToken cancellationToken)
    {
        while (channel.IsOpen && !cancellationToken.IsCancellationRequested)
        {
            await DrainAsync(channel, lane, lanes, cancellationToken);
            await signal.WaitAsync(lane, options.Value.PollInterval, cancellationToken);
        }
    }

    private async Task DrainAsync(RabbitMQ.Client.IChannel channel, int lane, int lanes, CancellationToken stoppingToken)
    {
        while (channel.IsOpen && !stoppingToken.IsCancellationRequested)
        {
            RelayResult result;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var share = leases.Owned.Where(l => l.Key % lanes == lane).ToDictionary();
            try
            {
                result = await relay.RelayBatchAsync(channel, new LeaseFence(me.InstanceId, share), stoppingToken);
                metrics.Relayed(result, System.Diagnostics.Stopwatch.GetElapsedTime(started));
            }
            catch (Exception ex) when (DatabaseFailures.IsTransient(ex))
            {
                LogDatabaseUnavailable(ex.Message);
                await Pause.ForAsync(TimeSpan.FromSeconds(1), stoppingToken);
                return;
            }

            if (result.Sent > 0)
            {
                LogPublished(result.Sent);
            }

            if (result.Fenced > 0)
            {
                LogFenced(result.Fenced);
            }

            if (result.Failed > 0)
            {
                LogPublishFailed(result.Failed, result.FirstError);
                return;
            }

            if (result.Claimed < options.Value.BatchSize)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox partitions held by this relay: [{Partitions}]")]
    private partial void LogPartitions(string partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition leases could not be renewed; relaying stops until they are: {Reason}")]
    private partial void LogLeasesLost(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} confirmed events not marked SENT: their partition lease was lost meanwhile (the new owner republishes them)")]
    private partial void LogFenced(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release partition leases on stop (they expire after the TTL): {Reason}")]
    private partial void LogReleaseFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Count} outbox events")]
    private partial void LogPublished(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox events not confirmed, kept PENDING with backoff: {Error}")]
    private partial void LogPublishFailed(int count, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable to the outbox relay, retrying: {Reason}")]
    private partial void LogDatabaseUnavailable(string reason);
}
