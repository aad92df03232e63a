using DotNetCore.CAP;
using RabbitMQ.Client;

namespace CapPeer.Transport;

/// <summary>
/// One broker connection, opened on first use and opened again once it is lost. The client's automatic recovery is
/// off: CAP restarts consumers that report a shutdown, and the publisher opens a new channel on its next send.
/// </summary>
public sealed class RabbitConnection(RabbitTransportOptions options, string purpose) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;

    /// <exception cref="BrokerConnectionException">The broker could not be reached; CAP marks its consumers unhealthy.</exception>
    public async Task<IConnection> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } opened)
            {
                return opened;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var factory = new ConnectionFactory
            {
                Uri = options.Uri,
                ClientProvidedName = $"cap-peer:{purpose}",
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedHeartbeat = TimeSpan.FromSeconds(10),
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
            return _connection;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new BrokerConnectionException(ex);
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
