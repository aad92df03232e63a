namespace Registration.Messaging.Outbox;

/// <summary>A PENDING outbox row claimed by the relay.</summary>
public sealed record OutboxRow(long Id, Guid EventId, string EventType, Guid AggregateId, string Payload, IReadOnlyDictionary<string, string> Headers, int Attempts, short Partition);
