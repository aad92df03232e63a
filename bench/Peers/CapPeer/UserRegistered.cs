namespace CapPeer;

/// <summary>The event stored in CAP's outbox with the user row and published as <see cref="Topic"/>.</summary>
public sealed record UserRegistered(Guid EventId, Guid UserId, string Email, DateTimeOffset OccurredAt)
{
    public const string Topic = "user.registered";
}
