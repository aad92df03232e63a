namespace Registration.Messaging.Outbox;

/// <summary>An event to store in the outbox; <see cref="Payload"/> is the exact JSON body that will be published.</summary>
public sealed record OutboxMessage(
    Guid EventId,
    string EventType,
    Guid AggregateId,
    string Payload,
    IReadOnlyDictionary<string, string> Headers);
