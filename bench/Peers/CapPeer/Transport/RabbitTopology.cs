using RabbitMQ.Client;

namespace CapPeer.Transport;

/// <summary>Idempotent declarations shared by the publisher and the consumers; both sides declare the same arguments.</summary>
internal static class RabbitTopology
{
    public static Task DeclareExchangeAsync(IChannel channel, string exchange) =>
        channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true, autoDelete: false);

    /// <summary>A durable classic queue, as CAP's RabbitMQ transport declares a consumer group's queue.</summary>
    public static async Task DeclareQueueAsync(IChannel channel, string exchange, string queue, IEnumerable<string> topics)
    {
        await DeclareExchangeAsync(channel, exchange);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        foreach (var topic in topics)
        {
            await channel.QueueBindAsync(queue, exchange, topic);
        }
    }
}
