using Registration.Contracts;

namespace Notifications.Consuming;

/// <summary>One event of notifications_queue: a registration, a task event, or the account deletion's erasure request.</summary>
public sealed record NotificationMessage(UserRegistered? Registered, TodoChanged? Changed, AccountEvent? ErasureRequested)
{
    public Guid UserId => Registered?.Data.UserId ?? Changed?.Data.UserId ?? ErasureRequested!.Data.UserId;

    public Guid EventId => Registered?.EventId ?? Changed?.EventId ?? ErasureRequested!.EventId;

    public DateTimeOffset OccurredAt => Registered?.OccurredAt ?? Changed?.OccurredAt ?? ErasureRequested!.OccurredAt;

    public string EventType => Registered?.EventType ?? Changed?.EventType ?? ErasureRequested!.EventType;
}
