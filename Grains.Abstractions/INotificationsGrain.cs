using Registration.Contracts;

namespace Registration.Grains;

/// <summary>
/// The notifications of one user (the grain's Guid key = user id): stores exactly one notification per event, in the
/// order of the user's events, and pushes each new one to the user's open streams (<see cref="INotificationObserver"/>).
/// </summary>
[Alias("registration.notifications")]
public interface INotificationsGrain : IGrainWithGuidKey
{
    /// <summary>How long a subscription lives without renewal; a stream renews at half of it.</summary>
    public static readonly TimeSpan SubscriptionExpiry = TimeSpan.FromMinutes(1);

    /// <summary>The welcome notification: applied once per event id (duplicate otherwise), with no order check.</summary>
    [Alias("registration.notifications.apply-user-registered")]
    Task<MessageOutcome> ApplyUserRegisteredAsync(UserRegistered registered);

    /// <summary>
    /// A task event in the user's sequence: the next one is applied; an earlier or equal one is a duplicate; a later one
    /// (a gap) is <see cref="MessageOutcome.Requeued"/> until the missing ones are applied, or until it is older than
    /// Notifications:GapTimeout, when it is applied and the gap logged. Not seen and older than Consumer:MaxMessageAge:
    /// <see cref="MessageOutcome.Expired"/>.
    /// </summary>
    [Alias("registration.notifications.apply-todo-changed")]
    Task<MessageOutcome> ApplyTodoChangedAsync(TodoChanged changed);

    /// <summary>Newest first, at most <paramref name="limit"/>, only those with an id below <paramref name="before"/> when given.</summary>
    /// <summary>
    /// The account deletion's erasure request: deletes the user's notifications, records a tombstone (a late event of the
    /// user creates nothing; the user's calls throw <see cref="AccountErasedException"/>) and answers USER_DATA_ERASED
    /// through the notify database's outbox, in one transaction. Idempotent: a repeated request answers again.
    /// </summary>
    [Alias("registration.notifications.erase")]
    Task<MessageOutcome> EraseAsync(AccountEvent request);

    [Alias("registration.notifications.list")]
    Task<NotificationPage> ListAsync(int limit, long? before);

    /// <summary>Oldest first, those with an id above <paramref name="after"/>, at most <paramref name="limit"/>: a stream's catch-up.</summary>
    [Alias("registration.notifications.list-after")]
    Task<IReadOnlyList<Notification>> ListAfterAsync(long after, int limit);

    [Alias("registration.notifications.unread-count")]
    Task<long> UnreadCountAsync();

    /// <summary>False when the user has no such notification.</summary>
    [Alias("registration.notifications.mark-read")]
    Task<bool> MarkReadAsync(long id);

    [Alias("registration.notifications.mark-all-read")]
    Task MarkAllReadAsync();

    /// <summary>
    /// Adds the stream, or renews it (idempotent). True when the grain already knew it, false when it is new to this
    /// activation: the stream then reads what it may have missed from the database.
    /// </summary>
    [Alias("registration.notifications.subscribe")]
    Task<bool> SubscribeAsync(INotificationObserver observer);

    [Alias("registration.notifications.unsubscribe")]
    Task UnsubscribeAsync(INotificationObserver observer);
}
