namespace CapPeer.Transport;

/// <summary>Settings of the peer's own CAP transport over RabbitMQ.Client 7.</summary>
public sealed class RabbitTransportOptions
{
    /// <summary><c>amqp://user:password@host:port/vhost</c>.</summary>
    public required Uri Uri { get; init; }

    /// <summary>The durable topic exchange every message goes to, routed by its CAP topic; CAP's RabbitMQ transport's default name.</summary>
    public string Exchange { get; init; } = "cap.default.router";

    /// <summary>Unacknowledged deliveries the broker sends ahead to each consumer (one channel per CAP consumer thread).</summary>
    public ushort PrefetchCount { get; init; } = 100;

    /// <summary>How long a send waits for the broker's confirm before CAP counts it as failed and retries it.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Queues the publishing side declares and binds as well, so that what a producer publishes before any consumer has
    /// started waits in its queue instead of coming back unroutable.
    /// </summary>
    public IReadOnlyList<QueueBinding> PublisherBindings { get; init; } = [];

    internal string Endpoint => $"{Uri.Host}:{Uri.Port}";
}

public sealed record QueueBinding(string Queue, string Topic);
