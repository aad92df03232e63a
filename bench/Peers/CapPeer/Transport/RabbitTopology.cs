using RabbitMQ.Client;

namespace CapPeer.Transport;

/// <summary>Idempotent declarations shared by the publisher and the consumers; both sides declare the same arguments.</summary>
internal static class RabbitTopology
{
    public static Task DeclareExchangeAsync(IChannel channel, string exchange) =>
        channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);

    /// <summary>
    /// A durable quorum queue: the type this product's queue and the Wolverine peer's have, so all three compare on the
    /// same broker work (a quorum queue confirms a message only once its log is on disk). CAP's own RabbitMQ transport
    /// declares a classic queue unless its QueueArguments name another type.
    /// </summary>
    public static async Task DeclareQueueAsync(IChannel channel, string exchange, string queue, IEnumerable<string> topics)
    {
        await DeclareExchangeAsync(channel, exchange);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        foreach (var topic in topics)
        {
            await channel.QueueBindAsync(queue, exchange, topic);
        }
    }
}
