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
}
