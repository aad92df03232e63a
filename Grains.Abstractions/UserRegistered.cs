namespace Registration.Contracts;

/// <summary>
/// The USER_REGISTERED event as it travels on the wire (camelCase JSON, version 1). <see cref="Sequence"/>
/// numbers the events of one user in commit order (registration is the user's first event, 1), so a
/// consumer can recognise an event older than one it already applied. It is optional in version 1: an event
/// without it (as published by hand, or by older writers) is applied idempotently, without an order check.
/// </summary>
[GenerateSerializer]
[Alias("registration.user-registered")]
[Immutable]
public sealed record UserRegistered(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string EventType,
    [property: Id(2)] int Version,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string CorrelationId,
    [property: Id(5)] long? Sequence,
    [property: Id(6)] UserRegisteredData Data)
{
    public const string Type = "USER_REGISTERED";
    public const int CurrentVersion = 1;
    public const long FirstSequence = 1;

    public static UserRegistered Create(Guid eventId, DateTimeOffset occurredAt, string correlationId, Guid userId, string email, long sequence = FirstSequence) =>
        new(eventId, Type, CurrentVersion, occurredAt, correlationId, sequence, new UserRegisteredData(userId, email));
}

[GenerateSerializer]
[Alias("registration.user-registered-data")]
[Immutable]
public sealed record UserRegisteredData([property: Id(0)] Guid UserId, [property: Id(1)] string Email);
