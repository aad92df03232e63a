namespace Registration.Contracts;

/// <summary>AMQP header names carried by every event, and those added to a dead letter.</summary>
public static class MessageHeaders
{
    public const string CorrelationId = "x-correlation-id";
    public const string TraceParent = "traceparent";
    public const string DeadLetterReason = "x-dead-letter-reason";
    public const string DeadLetteredAt = "x-dead-lettered-at";
    public const string DeliveryAttempts = "x-delivery-attempts";
    public const string DeliveryCount = "x-delivery-count";
}
