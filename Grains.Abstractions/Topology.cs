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

    /// <summary>The account deletion saga's request to every service that holds a user's data, and its end.</summary>
    public const string UserErasureRequestedRoutingKey = "user.erasure_requested";
    public const string UserDataErasedRoutingKey = "user.data_erased";
    public const string UserDeletedRoutingKey = "user.deleted";

    /// <summary>
    /// The saga's replies (USER_DATA_ERASED from each service) and its own USER_DELETED, consumed by AuthApi, with a
    /// dead-letter exchange of its own.
    /// </summary>
    public const string AccountDeletionQueue = "account_deletion_queue";
    public const string AccountDeletionDeadLetterExchange = "account_deletion_queue.dlx";
    public const string AccountDeletionDeadLetterQueue = "account_deletion_queue.dlq";
}
