namespace Registration.Contracts;

/// <summary>
/// An event of the account deletion saga as it travels on the wire (camelCase JSON, version 1): the saga's request
/// <c>USER_ERASURE_REQUESTED</c> (auth outbox, to every service that holds the user's data), each service's reply
/// <c>USER_DATA_ERASED</c> (its own outbox, <see cref="AccountEventData.Service"/> names it) and the saga's end
/// <c>USER_DELETED</c>. No email or other personal data: the user id only.
/// </summary>
[GenerateSerializer]
[Alias("registration.account-event")]
[Immutable]
public sealed record AccountEvent(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string EventType,
    [property: Id(2)] int Version,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string CorrelationId,
    [property: Id(5)] AccountEventData Data)
{
    public const string ErasureRequested = "USER_ERASURE_REQUESTED";
    public const string DataErased = "USER_DATA_ERASED";
    public const string Deleted = "USER_DELETED";
    public const int CurrentVersion = 1;

    public static readonly IReadOnlyList<string> Types = [ErasureRequested, DataErased, Deleted];

    public static AccountEvent Create(string eventType, DateTimeOffset occurredAt, string correlationId, Guid userId, string? service = null) =>
        new(Guid.CreateVersion7(), eventType, CurrentVersion, occurredAt, correlationId, new AccountEventData(userId, service));
}

/// <param name="Service">The replying service of a <see cref="AccountEvent.DataErased"/>, one of <see cref="ErasingServices"/>; null otherwise.</param>
[GenerateSerializer]
[Alias("registration.account-event-data")]
[Immutable]
public sealed record AccountEventData([property: Id(0)] Guid UserId, [property: Id(1)] string? Service);

/// <summary>The services that hold a user's data outside the auth database; a deletion waits for each one's reply.</summary>
public static class ErasingServices
{
    public const string Todo = "todo";
    public const string Notifications = "notifications";

    public static readonly IReadOnlyList<string> All = [Todo, Notifications];
}
