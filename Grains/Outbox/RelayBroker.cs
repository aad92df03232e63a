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
public sealed partial class RelayBroker(RabbitMqConnector connector, BrokerStatus status, ILogger<RelayBroker> logger) : IAsyncDisposable
{
    public const string WorkerName = "outbox-relay";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<IChannel> OpenChannelAsync(int batchSize, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        return await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(batchSize), cancellationToken);
    }

    private async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true })
            {
                return _connection;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }

            IConnection? connection = null;
            try
            {
                connection = await connector.ConnectAsync(WorkerName, cancellationToken);
                await using (var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken))
                {
                    await BrokerTopology.DeclareAsync(channel, cancellationToken);
                }

                connection.ConnectionShutdownAsync += (_, args) =>
                {
                    status.Disconnected(WorkerName, args.ReplyText);
                    LogLost(args.ReplyText);
                    return Task.CompletedTask;
                };
                _connection = connection;
                status.Connected(WorkerName);
                LogConnected();
                return connection;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                status.Disconnected(WorkerName, ex.Message);
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay connected to the broker")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay's broker connection lost: {Reason}")]
    private partial void LogLost(string reason);
}
