using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Grains;
using Registration.Messaging.Consuming;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace Notifications.Consuming;

/// <summary>
/// Hands each event of notifications_queue to its user's notifications grain: the batch's users at once, each user's
/// events one after the other in delivery order. A task event that waits for an earlier one of its user comes back
/// <see cref="MessageOutcome.Requeued"/> and returns to the queue after a pause. Nothing is consumed until the cluster
/// is reachable; an unreachable silo or database is transient (requeued, never dead-lettered). The account deletion's
/// erasure request erases the user's notifications, and the grain answers the saga through the notify database's outbox.
/// </summary>
public sealed class NotificationsRouter(ClusterConnection cluster, IOptions<ConsumerOptions> options, TimeProvider time) : IMessageHandler<NotificationMessage>
{
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => cluster.ConnectedAsync(cancellationToken);

    public NotificationMessage Read(ReadOnlyMemory<byte> body) => NotificationEventReader.Read(body);

    public Task<IReadOnlyList<MessageOutcome>> ApplyAsync(IReadOnlyList<NotificationMessage> messages, CancellationToken cancellationToken)
    {
        var grains = cluster.RequireGrains();
        return PerUser.ApplyAsync(messages, m => m.UserId, (user, message) => message switch
        {
            { Registered: { } registered } => grains.GetGrain<INotificationsGrain>(user).ApplyUserRegisteredAsync(registered),
            { Changed: { } changed } => grains.GetGrain<INotificationsGrain>(user).ApplyTodoChangedAsync(changed),
            _ => grains.GetGrain<INotificationsGrain>(user).EraseAsync(message.ErasureRequested!),
        }, cancellationToken);
    }

    public string ExpiredReason(NotificationMessage message)
    {
        var age = time.GetUtcNow() - message.OccurredAt;
        return $"expired: the {message.EventType} event occurred at {message.OccurredAt:O}, {age.TotalHours:0.#} h ago, longer than " +
            $"Consumer:MaxMessageAge ({options.Value.MaxMessageAge}), and it has no notification: it was never applied, or its notification " +
            "was deleted since (Notifications:Retention), which cannot be told apart, so it is not applied, to rule out a second notification";
    }

    public bool IsTransient(Exception failure) => ClusterFailures.IsTransient(failure) || DatabaseFailures.IsTransient(failure);
}
