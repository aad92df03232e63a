namespace Registration.Contracts;

/// <summary>Names of the broker objects both sides declare; they are part of the contract.</summary>
public static class Topology
{
    public const string Exchange = "registration.events";
    public const string UserRegisteredRoutingKey = "user.registered";
    public const string UserRegisteredQueue = "user_registered_queue";
    public const string DeadLetterExchange = "registration.events.dlx";
    public const string UserRegisteredDeadLetterQueue = "user_registered_queue.dlq";
    public const string AnyRoutingKey = "#";

    public const string TodoCreatedRoutingKey = "todo.created";
    public const string TodoUpdatedRoutingKey = "todo.updated";
    public const string TodoDeletedRoutingKey = "todo.deleted";
    public const string AnyTodoRoutingKey = "todo.*";

    /// <summary>The notification service's queue: registrations and every task event.</summary>
    public const string NotificationsQueue = "notifications_queue";

    /// <summary>The notification queue's own dead-letter exchange, so its dead letters never reach another queue's.</summary>
    public const string NotificationsDeadLetterExchange = "notifications_queue.dlx";
    public const string NotificationsDeadLetterQueue = "notifications_queue.dlq";
}
