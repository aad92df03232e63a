namespace WolverinePeer;

/// <summary>The event the producer stores in Wolverine's outbox with the user row.</summary>
public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, DateTimeOffset OccurredAt);
