using Registration.Contracts;
using RabbitMQ.Client;

namespace Registration.Messaging.Broker;

/// <summary>Declares the exchanges and queues of the contract. Idempotent; both publisher and consumer call it.</summary>
public static class BrokerTopology
{
    public static async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(Topology.Exchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);
        await channel.ExchangeDeclareAsync(Topology.DeadLetterExchange, ExchangeType.Topic, durable: true, cancellationToken: cancellationToken);

        await channel.QueueDeclareAsync(Topology.UserRegisteredQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-dead-letter-exchange"] = Topology.DeadLetterExchange,
            },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(Topology.UserRegisteredQueue, Topology.Exchange, Topology.UserRegisteredRoutingKey, cancellationToken: cancellationToken);

        await channel.QueueDeclareAsync(Topology.UserRegisteredDeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            cancellationToken: cancellationToken);
        // Every routing key: a dead letter keeps the key it arrived with, and a message can reach the queue by
        // other routes than the contract's (the default exchange, an extra binding added by an operator).
        await channel.QueueBindAsync(Topology.UserRegisteredDeadLetterQueue, Topology.DeadLetterExchange, Topology.AnyRoutingKey, cancellationToken: cancellationToken);
    }

    public static string RoutingKeyFor(string eventType) => eventType switch
    {
        UserRegistered.Type => Topology.UserRegisteredRoutingKey,
        _ => throw new ArgumentOutOfRangeException(nameof(eventType), eventType, "No routing key is defined for this event type."),
    };
}
