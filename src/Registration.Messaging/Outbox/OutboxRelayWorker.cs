using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Data;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Hosts the relay: keeps a confirm channel to the broker (reconnecting with backoff, never crashing
/// the process), and drains the outbox whenever <see cref="OutboxSignal"/> fires or the poll interval passes.
/// </summary>
public sealed partial class OutboxRelayWorker(
    OutboxRelay relay,
    OutboxSignal signal,
    RabbitMqConnector connector,
    BrokerStatus brokerStatus,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelayWorker> logger) : BackgroundService
{
    private const string WorkerName = "outbox-relay";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(signal.ListenAsync(stoppingToken), RelayAsync(stoppingToken));

    private async Task RelayAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var failedConnects = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await connector.ConnectAsync(WorkerName, stoppingToken);
                await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(settings.BatchSize), stoppingToken);
                await BrokerTopology.DeclareAsync(channel, stoppingToken);
                brokerStatus.Connected(WorkerName);
                failedConnects = 0;
                LogConnected();

                while (channel.IsOpen)
                {
                    await DrainAsync(channel, stoppingToken);
                    await signal.WaitAsync(settings.PollInterval, stoppingToken);
                }

                brokerStatus.Disconnected(WorkerName, channel.CloseReason?.ReplyText ?? "channel closed");
                LogBrokerLost(channel.CloseReason?.ReplyText ?? "channel closed");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failedConnects++;
                brokerStatus.Disconnected(WorkerName, ex.Message);
                LogBrokerUnavailable(failedConnects, ex.Message);
            }

            await Pause.ForAsync(Backoff.Compute(failedConnects, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5)), stoppingToken);
        }
    }

    private async Task DrainAsync(RabbitMQ.Client.IChannel channel, CancellationToken stoppingToken)
    {
        while (channel.IsOpen && !stoppingToken.IsCancellationRequested)
        {
            RelayResult result;
            try
            {
                result = await relay.RelayBatchAsync(channel, stoppingToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox relay connected to the broker")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Count} outbox events")]
    private partial void LogPublished(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox events not confirmed, kept PENDING with backoff: {Error}")]
    private partial void LogPublishFailed(int count, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker unavailable to the outbox relay (attempt {Attempt}), retrying: {Reason}")]
    private partial void LogBrokerUnavailable(int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker connection of the outbox relay lost: {Reason}")]
    private partial void LogBrokerLost(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable to the outbox relay, retrying: {Reason}")]
    private partial void LogDatabaseUnavailable(string reason);
}
