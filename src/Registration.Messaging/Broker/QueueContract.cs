using Registration.Contracts;

namespace Registration.Messaging.Broker;

/// <summary>
/// A consumed queue of the contract: its bindings to <see cref="Topology.Exchange"/>, and the dead-letter exchange and
/// queue its dead letters go to (a dead letter keeps the routing key it arrived with; the dead-letter queue takes every key).
/// </summary>
/// <param name="WorkerName">The name of the queue's consumer in the broker's connection list, logs and readiness.</param>
public sealed record QueueContract(string Queue, IReadOnlyList<string> RoutingKeys, string DeadLetterExchange, string DeadLetterQueue, string WorkerName)
{
    public static readonly QueueContract UserRegistered = new(
        Topology.UserRegisteredQueue, [Topology.UserRegisteredRoutingKey, Topology.UserErasureRequestedRoutingKey], Topology.DeadLetterExchange, Topology.UserRegisteredDeadLetterQueue, "consumer");

    public static readonly QueueContract Notifications = new(
        Topology.NotificationsQueue, [Topology.UserRegisteredRoutingKey, Topology.AnyTodoRoutingKey, Topology.UserErasureRequestedRoutingKey], Topology.NotificationsDeadLetterExchange,
        Topology.NotificationsDeadLetterQueue, "notifications-consumer");

    public static readonly QueueContract AccountDeletion = new(
        Topology.AccountDeletionQueue, [Topology.UserDataErasedRoutingKey, Topology.UserDeletedRoutingKey], Topology.AccountDeletionDeadLetterExchange,
        Topology.AccountDeletionDeadLetterQueue, "account-deletion-consumer");

    /// <summary>The name of the span of each consumed message.</summary>
    public string SpanName => $"consume {Queue}";

    /// <summary>Every queue, declared by every publisher and consumer: an event is never published before the queues that take it exist.</summary>
    public static readonly IReadOnlyList<QueueContract> All = [UserRegistered, Notifications, AccountDeletion];
}
