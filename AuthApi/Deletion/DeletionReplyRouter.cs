using Registration.Contracts;
using Registration.Grains;
using Registration.Messaging.Consuming;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace AuthApi.Deletion;

/// <summary>
/// Hands each USER_DATA_ERASED reply of account_deletion_queue to its user's deletion saga, which acknowledges it only
/// after its state is committed (a duplicated reply changes nothing). The queue also takes the saga's own USER_DELETED,
/// so that the broker routes it (every event is published mandatory): it was recorded when it was sent, and is acked as
/// such (other systems bind queues of their own to user.deleted). Nothing is consumed until the cluster is reachable; an
/// unreachable silo or database is transient (requeued, never dead-lettered).
/// </summary>
public sealed class DeletionReplyRouter(ClusterConnection cluster) : IMessageHandler<AccountEvent>
{
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => cluster.ConnectedAsync(cancellationToken);

    public AccountEvent Read(ReadOnlyMemory<byte> body) => EventTypeReader.TypeOf(body) switch
    {
        AccountEvent.Deleted => AccountEventReader.Read(body, AccountEvent.Deleted),
        _ => AccountEventReader.Read(body, AccountEvent.DataErased),
    };

    public Task<IReadOnlyList<MessageOutcome>> ApplyAsync(IReadOnlyList<AccountEvent> messages, CancellationToken cancellationToken)
    {
        var grains = cluster.RequireGrains();
        return PerUser.ApplyAsync(
            messages, m => m.Data.UserId, (user, message) => message.EventType == AccountEvent.Deleted
                ? Task.FromResult(MessageOutcome.Duplicate)
                : grains.GetGrain<IAccountDeletionGrain>(user).ApplyDataErasedAsync(message), cancellationToken);
    }

    /// <summary>Never asked: a reply is never judged by its age (the saga's state decides).</summary>
    public string ExpiredReason(AccountEvent message) => $"expired: reply {message.EventId} of {message.Data.Service}";

    public bool IsTransient(Exception failure) => ClusterFailures.IsTransient(failure) || DatabaseFailures.IsTransient(failure);
}
