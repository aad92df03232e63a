using RabbitMQ.Client;

namespace Registration.Messaging.Broker;

/// <summary>
/// A broker connection for several users: opened on first use (with the topology declared, so the queues exist
/// wherever it is used), kept, and opened again once it was lost. A connection that fails while being set up is
/// closed, never left behind.
/// </summary>
public sealed class SharedBrokerConnection(RabbitMqConnector connector, string purpose, Action<IConnection>? opened = null) : IAsyncDisposable
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

            var connection = await connector.ConnectAsync(purpose, cancellationToken);
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

            opened?.Invoke(connection);
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
