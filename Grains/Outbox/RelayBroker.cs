using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using Registration.Messaging.Broker;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Outbox;

/// <summary>
/// The silo's one publishing connection, shared by its relay grains (each opens its own confirm channel on it).
/// Opened on first use and again after it was lost; the topology is declared on every new connection. Broker
/// trouble reaches the grain that asked as an exception for that step, and shows in readiness.
/// </summary>
public sealed partial class RelayBroker : IAsyncDisposable
{
    public const string WorkerName = "outbox-relay";

    private readonly SharedBrokerConnection _connection;
    private readonly BrokerStatus _status;
    private readonly ILogger<RelayBroker> _logger;

    public RelayBroker(RabbitMqConnector connector, BrokerStatus status, ILogger<RelayBroker> logger)
    {
        (_status, _logger) = (status, logger);
        _connection = new SharedBrokerConnection(connector, WorkerName, Opened);
    }

    public async Task<IChannel> OpenChannelAsync(int batchSize, CancellationToken cancellationToken)
    {
        IConnection connection;
        try
        {
            connection = await _connection.ConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _status.Disconnected(WorkerName, ex.Message);
            throw;
        }

        return await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(batchSize), cancellationToken);
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private void Opened(IConnection connection)
    {
        connection.ConnectionShutdownAsync += (_, args) =>
        {
            _status.Disconnected(WorkerName, args.ReplyText);
            LogLost(args.ReplyText);
            return Task.CompletedTask;
        };
        _status.Connected(WorkerName);
        LogConnected();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay connected to the broker")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay's broker connection lost: {Reason}")]
    private partial void LogLost(string reason);
}
