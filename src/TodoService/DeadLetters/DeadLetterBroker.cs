using RabbitMQ.Client;
using Registration.Messaging.Broker;

namespace TodoService.DeadLetters;

/// <summary>
/// The broker connection of the dead-letter admin endpoints: opened on first use (with the topology
/// declared, so the queues exist even where no consumer runs), kept, and opened again once it was lost.
/// </summary>
public sealed class DeadLetterBroker(RabbitMqConnector connector) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    public async Task<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } current)
            {
                return current;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
                _connection = null;
            }

            var connection = await connector.ConnectAsync("dead-letters", cancellationToken);
            try
            {
                await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
                await BrokerTopology.DeclareAsync(channel, cancellationToken);
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }

            _connection = connection;
            return connection;
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
}
