using Registration.Contracts;
using RabbitMQ.Client;

namespace Registration.Messaging.Broker;

/// <summary>Declares the exchanges and queues of the contract. Idempotent; both publisher and consumer call it.</summary>
public static class BrokerTopology
{
    public static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(Topology.Exchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        foreach (var queue in QueueContract.All)
        {
            await DeclareAsync(channel, queue, cancellationToken);
        }
    }

    public static string RoutingKeyFor(string eventType) => eventType switch
    {
        UserRegistered.Type => Topology.UserRegisteredRoutingKey,
        TodoChanged.Created => Topology.TodoCreatedRoutingKey,
        TodoChanged.Updated => Topology.TodoUpdatedRoutingKey,
        TodoChanged.Deleted => Topology.TodoDeletedRoutingKey,
        AccountEvent.ErasureRequested => Topology.UserErasureRequestedRoutingKey,
        AccountEvent.DataErased => Topology.UserDataErasedRoutingKey,
        AccountEvent.Deleted => Topology.UserDeletedRoutingKey,
        _ => throw new ArgumentOutOfRangeException(nameof(eventType), eventType, "No routing key is defined for this event type."),
    };

    private static async Task DeclareAsync(IChannel channel, QueueContract queue, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(queue.DeadLetterExchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(queue.Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-dead-letter-exchange"] = queue.DeadLetterExchange,
            },
            cancellationToken: cancellationToken);
        foreach (var routingKey in queue.RoutingKeys)
        {
            await channel.QueueBindAsync(queue.Queue, Topology.Exchange, routingKey, cancellationToken: cancellationToken);
        }

        await channel.QueueDeclareAsync(queue.DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            cancellationToken: cancellationToken);
        // Every routing key: a dead letter keeps the key it arrived with, and a message can reach the queue by
        // other routes than the contract's (the default exchange, an extra binding added by an operator).
        await channel.QueueBindAsync(queue.DeadLetterQueue, queue.DeadLetterExchange, Topology.AnyRoutingKey, cancellationToken: cancellationToken);
    }
}
