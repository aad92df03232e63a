using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Grains;
using Registration.Messaging.Consuming;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace TodoConsumer.Welcome;

/// <summary>
/// Hands each USER_REGISTERED message to its user's grain, which applies it exactly once, and each erasure request of the
/// account deletion saga to the grain that erases the user's todos and answers the saga. The users of a batch are
/// called at once, each user's events one after the other in delivery order. Nothing is consumed until the cluster
/// is reachable; a silo or database that cannot be reached is a transient failure: the message is requeued, never
/// dead-lettered. A poison message is refused by <see cref="Read"/> and never reaches a grain. Age is not judged here: an
/// old event goes to its grain too, whose one statement looks its key up first (an old copy of an applied event is a
/// duplicate) and answers <see cref="MessageOutcome.Expired"/> only for an old event it has no key of.
/// </summary>
public sealed class UserGrainRouter(ClusterConnection cluster, IOptions<ConsumerOptions> options, TimeProvider time) : IMessageHandler<UserMessage>
{
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => cluster.ConnectedAsync(cancellationToken);

    public UserMessage Read(ReadOnlyMemory<byte> body) => UserMessage.Read(body);

    public Task<IReadOnlyList<MessageOutcome>> ApplyAsync(IReadOnlyList<UserMessage> messages, CancellationToken cancellationToken)
    {
        var grains = cluster.RequireGrains();
        return PerUser.ApplyAsync(messages, m => m.UserId, (user, message) => message.Registered is { } registered
            ? grains.GetGrain<IUserGrain>(user).ApplyUserRegisteredAsync(registered)
            : grains.GetGrain<IUserGrain>(user).EraseAsync(message.ErasureRequested!), cancellationToken);
    }

    public string ExpiredReason(UserMessage message)
    {
        var age = time.GetUtcNow() - message.OccurredAt;
        return $"expired: the event occurred at {message.OccurredAt:O}, {age.TotalHours:0.#} h ago, longer than Consumer:MaxMessageAge " +
            $"({options.Value.MaxMessageAge}), and its processed_events key is not there: it was never applied, or its key was deleted " +
            "since (Consumer:DedupWindow), which cannot be told apart, so it is not applied, to rule out a second welcome todo";
    }

    public bool IsTransient(Exception failure) => ClusterFailures.IsTransient(failure) || DatabaseFailures.IsTransient(failure);
}
