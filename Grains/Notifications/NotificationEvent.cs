using Registration.Contracts;

namespace Registration.Grains.Notifications;

/// <summary>
/// What one event becomes: a notification of <see cref="Kind"/> with its text. <see cref="Sequence"/> is the user's
/// task-event sequence (null for an event outside it, such as the welcome).
/// </summary>
public sealed record NotificationEvent(
    Guid EventId, string EventType, Guid UserId, long? Sequence, DateTimeOffset OccurredAt, string Kind, string Text, Guid? TodoId)
{
    public static NotificationEvent From(UserRegistered registered) => new(
        registered.EventId, registered.EventType, registered.Data.UserId, null, registered.OccurredAt,
        Notification.Welcome, "Welcome! Your account is ready.", null);

    public static NotificationEvent From(TodoChanged changed)
    {
        var title = changed.Data.Title;
        var (kind, text) = changed.EventType switch
        {
            TodoChanged.Created => (Notification.TodoCreated, $"Todo \"{title}\" created."),
            TodoChanged.Updated when changed.Data.Completed => (Notification.TodoCompleted, $"Todo \"{title}\" completed."),
            TodoChanged.Updated => (Notification.TodoUpdated, $"Todo \"{title}\" updated."),
            TodoChanged.Deleted => (Notification.TodoDeleted, $"Todo \"{title}\" deleted."),
            _ => throw new ArgumentException($"unknown task event type '{changed.EventType}'", nameof(changed)),
        };
        return new(changed.EventId, changed.EventType, changed.Data.UserId, changed.Sequence, changed.OccurredAt, kind, text, changed.Data.TodoId);
    }
}

/// <summary>What the group commit did with one event; <see cref="Added"/> is the stored notification when it was applied.</summary>
/// <param name="LastSequence">The user's last applied sequence before this event (for the gap's log line).</param>
public sealed record NotificationResult(string Decision, Notification? Added, long LastSequence);
