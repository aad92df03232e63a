using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Workload;

/// <summary>
/// Publishes straight to the broker as the relay does, but with no database: batches of the relay's size,
/// all messages of a batch out at once on a confirm-tracking channel, then every confirm awaited.
/// </summary>
internal static class RawPublisher
{
    public static async Task PublishAsync(IConnection connection, IReadOnlyList<OutboxMessage> messages, int batchSize, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(batchSize), cancellationToken);
        foreach (var batch in messages.Chunk(batchSize))
        {
            await Task.WhenAll(batch.Select(message => channel.BasicPublishAsync(
                Topology.Exchange,
                Topology.UserRegisteredRoutingKey,
                mandatory: true,
                Events.Properties(message),
                Events.Body(message),
                cancellationToken).AsTask()));
        }
    }
}
