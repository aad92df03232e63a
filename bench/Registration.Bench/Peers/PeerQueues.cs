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
    private static readonly TimeSpan NamesRefresh = TimeSpan.FromSeconds(1);

    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly RabbitAdmin _admin;
    private readonly string _virtualHost;
    private readonly System.Diagnostics.Stopwatch _sinceNames = new();
    private IReadOnlyList<string> _queues = [];

    private PeerQueues(IConnection connection, IChannel channel, RabbitAdmin admin, string virtualHost)
    {
        _connection = connection;
        _channel = channel;
        _admin = admin;
        _virtualHost = virtualHost;
    }

    public static async Task<PeerQueues> OpenAsync(BenchSettings settings, RabbitAdmin admin, PeerSandbox sandbox, CancellationToken cancellationToken)
    {
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
        return new PeerQueues(connection, channel, admin, sandbox.VirtualHost);
    }

    /// <summary>Messages ready in all of the peer's queues (a producer alone: they are the events it published).</summary>
    public async Task<long> CountAsync()
    {
        // A peer may declare its queues only when it first publishes: the names are read again, at most once a second.
        if (_queues.Count == 0 || _sinceNames.Elapsed > NamesRefresh)
        {
            _queues = await _admin.QueuesAsync(_virtualHost, CancellationToken.None);
            _sinceNames.Restart();
        }

        long total = 0;
        foreach (var queue in _queues)
        {
            total += await _channel.MessageCountAsync(queue);
        }

        return total;
    }

    public async Task PurgeAsync()
    {
        _queues = await _admin.QueuesAsync(_virtualHost, CancellationToken.None);
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
