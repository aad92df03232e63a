using Registration.Contracts;

namespace Notifications.Consuming;

/// <summary>One event of notifications_queue: a registration or a task event.</summary>
public sealed record NotificationMessage(UserRegistered? Registered, TodoChanged? Changed)
{
    public Guid UserId => Registered?.Data.UserId ?? Changed!.Data.UserId;

    public Guid EventId => Registered?.EventId ?? Changed!.EventId;

    public DateTimeOffset OccurredAt => Registered?.OccurredAt ?? Changed!.OccurredAt;

    public string EventType => Registered?.EventType ?? Changed!.EventType;
}
