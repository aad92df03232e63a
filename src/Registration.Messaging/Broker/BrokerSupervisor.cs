using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Registration.Messaging.Broker;

/// <summary>
/// Keeps a worker's broker session alive: connect, run the session until it ends (channel or connection
/// lost), then back off with jitter (capped at 1 s, so a returning broker is used at once) and start over, until the worker stops. Broker
/// trouble is logged and shown in <see cref="BrokerStatus"/>, never thrown to the host.
/// </summary>
public sealed partial class BrokerSupervisor(RabbitMqConnector connector, BrokerStatus status, ILogger<BrokerSupervisor> logger)
{
    /// <param name="worker">The worker's name, in the broker's connection list, logs and readiness.</param>
    /// <param name="session">Sets up on the connection, calls <c>ready</c>, works, and returns why it ended.</param>
    public async Task RunAsync(string worker, Func<IConnection, Action, CancellationToken, Task<string>> session, CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await connector.ConnectAsync(worker, stoppingToken);
                var reason = await session(connection, () =>
                {
                    failures = 0;
                    status.Connected(worker);
                    LogReady(worker);
                }, stoppingToken);
                status.Disconnected(worker, reason);
                LogLost(worker, reason);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                status.Disconnected(worker, ex.Message);
                LogUnavailable(worker, failures, ex.Message);
            }

            await Pause.ForAsync(Backoff.Compute(failures, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Worker} connected to the broker")]
    private partial void LogReady(string worker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker session of {Worker} ended, reconnecting: {Reason}")]
    private partial void LogLost(string worker, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker unavailable to {Worker} (attempt {Attempt}), retrying: {Reason}")]
    private partial void LogUnavailable(string worker, int attempt, string reason);
}
