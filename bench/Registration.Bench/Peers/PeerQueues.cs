using RabbitMQ.Client;
using Registration.Bench.Infrastructure;

namespace Registration.Bench.Peers;

/// <summary>
/// How many messages wait in a peer's virtual host: the queue names from the management API (whatever the peer
/// declared), their depths from a passive declare over AMQP, which is exact at once (the management API's
/// figures are sampled every few seconds).
/// </summary>
internal sealed class PeerQueues : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly IReadOnlyList<string> _queues;

    private PeerQueues(IConnection connection, IChannel channel, IReadOnlyList<string> queues)
    {
        _connection = connection;
        _channel = channel;
        _queues = queues;
    }

    public static async Task<PeerQueues> OpenAsync(BenchSettings settings, RabbitAdmin admin, PeerSandbox sandbox, CancellationToken cancellationToken)
    {
        var queues = await admin.QueuesAsync(sandbox.VirtualHost, cancellationToken);
        if (queues.Count == 0)
        {
            throw new InvalidOperationException($"{sandbox.Peer.Name} declared no queue in its virtual host {sandbox.VirtualHost}");
        }

        var factory = new ConnectionFactory
        {
            HostName = settings.RabbitHost,
            Port = settings.RabbitPort,
            UserName = settings.RabbitUser,
            Password = settings.RabbitPassword,
            VirtualHost = sandbox.VirtualHost,
            ClientProvidedName = "bench-peer-queues",
        };
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        return new PeerQueues(connection, channel, queues);
    }

    /// <summary>Messages ready in all of the peer's queues (a producer alone: they are the events it published).</summary>
    public async Task<long> CountAsync()
    {
        long total = 0;
        foreach (var queue in _queues)
        {
            total += await _channel.MessageCountAsync(queue);
        }

        return total;
    }

    public async Task PurgeAsync()
    {
        foreach (var queue in _queues)
        {
            await _channel.QueuePurgeAsync(queue);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
