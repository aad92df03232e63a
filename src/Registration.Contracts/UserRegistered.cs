namespace Registration.Contracts;

/// <summary>The USER_REGISTERED event as it travels on the wire (camelCase JSON, version 1).</summary>
public sealed record UserRegistered(
    Guid EventId,
    string EventType,
    int Version,
    DateTimeOffset OccurredAt,
    string CorrelationId,
    UserRegisteredData Data)
{
    public const string Type = "USER_REGISTERED";
    public const int CurrentVersion = 1;

    public static UserRegistered Create(Guid eventId, DateTimeOffset occurredAt, string correlationId, Guid userId, string email) =>
        new(eventId, Type, CurrentVersion, occurredAt, correlationId, new UserRegisteredData(userId, email));
}

public sealed record UserRegisteredData(Guid UserId, string Email);
