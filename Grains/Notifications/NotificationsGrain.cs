using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Placement;
using Orleans.Utilities;
using Registration.Contracts;
using Registration.Grains.Accounts;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;

namespace Registration.Grains.Notifications;

/// <summary>
/// One user's notifications: applies the user's events one at a time through the silo's group commit
/// (<see cref="NotificationWriter"/>, which decides duplicates, order and gaps under the user's row lock), pushes each
/// new notification to the user's open streams, and serves the list and the read marks. The streams are kept in an
/// <see cref="ObserverManager{TObserver}"/> that forgets one not renewed within <see cref="INotificationsGrain.SubscriptionExpiry"/>;
/// a push is one-way, so no client, slow or gone, ever holds the grain.
/// </summary>
[PreferLocalPlacement]
public sealed partial class NotificationsGrain(
    NotificationWriter writer,
    [FromKeyedServices(NotifyDatabase.Name)] NpgsqlDataSource db,
    OutboxWriter outbox,
    TimeProvider time,
    ILogger<NotificationsGrain> logger) : Grain, INotificationsGrain
{
    private const string Columns = "id, event_id AS EventId, kind AS Type, text, todo_id AS TodoId, created_at AS CreatedAt, read_at IS NOT NULL AS Read, NULL::bigint AS PreviousId";

    private readonly ObserverManager<INotificationObserver> _streams = new(INotificationsGrain.SubscriptionExpiry, logger);

    /// <summary>Whether the user's tombstone is set; read once per activation, by the first call of the user's own.</summary>
    private bool? _erased;

    private Guid UserId => this.GetPrimaryKey();

    public Task<MessageOutcome> ApplyUserRegisteredAsync(UserRegistered registered) =>
        ApplyAsync(registered.Data.UserId, registered.EventId, () => NotificationEvent.From(registered));

    public Task<MessageOutcome> ApplyTodoChangedAsync(TodoChanged changed) =>
        ApplyAsync(changed.Data.UserId, changed.EventId, () => NotificationEvent.From(changed));

    public Task<MessageOutcome> EraseAsync(AccountEvent request)
    {
        if (request.Data.UserId != UserId)
        {
            throw new ArgumentException($"event {request.EventId} belongs to user {request.Data.UserId}, not to {UserId}", nameof(request));
        }

        return Transient(async () =>
        {
            var reply = AccountEvent.Create(AccountEvent.DataErased, time.GetUtcNow(), request.CorrelationId, UserId, ErasingServices.Notifications);
            // The tombstone first: it locks the user's row, so an event of this user being written waits for the commit and then reads it.
            var partition = await DataErasure.EraseAsync(db, outbox,
                """
                INSERT INTO notification_users AS s (user_id, last_sequence, erased_at) VALUES (@userId, 0, now())
                ON CONFLICT (user_id) DO UPDATE SET erased_at = coalesce(s.erased_at, now()), updated_at = now();
                DELETE FROM notifications WHERE user_id = @userId;
                """,
                reply);
            _erased = true;
            GrainFactory.Relay(Outboxes.Notify, partition).Wake().Ignore();
            return MessageOutcome.Applied;
        });
    }

    public Task<NotificationPage> ListAsync(int limit, long? before) => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        var rows = (await connection.QueryAsync<Notification>(
            $"""
            SELECT {Columns} FROM notifications
            WHERE user_id = @userId AND (@before::bigint IS NULL OR id < @before)
            ORDER BY id DESC LIMIT @take
            """,
            new { userId = UserId, before, take = limit + 1 })).ToList();
        var more = rows.Count > limit;
        var items = rows.Take(limit).ToList();
        return new NotificationPage(items, more ? items[^1].Id : null);
    });

    public Task<IReadOnlyList<Notification>> ListAfterAsync(long after, int limit) => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        var rows = await connection.QueryAsync<Notification>(
            $"SELECT {Columns} FROM notifications WHERE user_id = @userId AND id > @after ORDER BY id LIMIT @limit",
            new { userId = UserId, after, limit });
        return (IReadOnlyList<Notification>)[.. rows];
    });

    public Task<long> UnreadCountAsync() => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = @userId AND read_at IS NULL", new { userId = UserId });
    });

    public Task<bool> MarkReadAsync(long id) => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        // A notification read before is still the user's: found, nothing changed.
        return await connection.ExecuteScalarAsync<bool>(
            """
            WITH marked AS (
                UPDATE notifications SET read_at = coalesce(read_at, now()) WHERE id = @id AND user_id = @userId RETURNING id)
            SELECT EXISTS (SELECT FROM marked)
            """,
            new { id, userId = UserId });
    });

    public Task MarkAllReadAsync() => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        return await connection.ExecuteAsync(
            "UPDATE notifications SET read_at = now() WHERE user_id = @userId AND read_at IS NULL", new { userId = UserId });
    });

    public async Task<bool> SubscribeAsync(INotificationObserver observer)
    {
        await Transient(async () =>
        {
            await RefuseErasedAsync();
            return true;
        });
        var known = _streams.Observers.ContainsKey(observer);
        _streams.Subscribe(observer, observer);
        return known;
    }

    public Task UnsubscribeAsync(INotificationObserver observer)
    {
        _streams.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <summary>Throws <see cref="AccountErasedException"/> when the user's data was erased: their token is refused.</summary>
    private async Task RefuseErasedAsync() => _erased = await DataErasure.RefuseErasedAsync(
        db, "SELECT EXISTS (SELECT FROM notification_users WHERE user_id = @userId AND erased_at IS NOT NULL)", UserId, _erased);

    private async Task<MessageOutcome> ApplyAsync(Guid eventUser, Guid eventId, Func<NotificationEvent> read)
    {
        if (eventUser != UserId)
        {
            throw new ArgumentException($"event {eventId} belongs to user {eventUser}, not to {UserId}");
        }

        var notification = read();
        var result = await Transient(() => writer.ApplyAsync(notification));
        switch (result.Decision)
        {
            case "gap":
                LogGapSkipped(UserId, notification.EventId, notification.Sequence, result.LastSequence + 1, notification.Sequence - 1);
                break;
            case "late":
                LogLate(UserId, notification.EventId, notification.Sequence, result.LastSequence);
                break;
            case "held":
                LogHeldBack(UserId, notification.EventId, notification.Sequence, result.LastSequence);
                return MessageOutcome.Requeued;
            case "duplicate":
                return MessageOutcome.Duplicate;
            case "expired":
                return MessageOutcome.Expired;
            case "erased":
                return MessageOutcome.Erased;
        }

        if (result.Added is { } added)
        {
            // One-way calls: nothing here waits for a client. ObserverManager drops streams not renewed in time.
            await _streams.Notify(stream => stream.OnNotificationAdded(added));
        }

        return MessageOutcome.Applied;
    }

    private static Task<T> Transient<T>(Func<Task<T>> work) => StoreFailures.Transient("notify", work);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task event {EventId} of user {UserId} (sequence {Sequence}) applied over a gap: sequences {From} to {To} never arrived within Notifications:GapTimeout")]
    private partial void LogGapSkipped(Guid userId, Guid eventId, long? sequence, long from, long? to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task event {EventId} of user {UserId} (sequence {Sequence}) arrived after the gap it left was skipped (last applied {Last}): stored out of order")]
    private partial void LogLate(Guid userId, Guid eventId, long? sequence, long last);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Task event {EventId} of user {UserId} (sequence {Sequence}) held back: the last applied is {Last}")]
    private partial void LogHeldBack(Guid userId, Guid eventId, long? sequence, long last);
}
