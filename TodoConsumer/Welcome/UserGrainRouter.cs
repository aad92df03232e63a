using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Grains;
using Registration.Messaging.Consuming;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace TodoConsumer.Welcome;

/// <summary>
/// Hands each USER_REGISTERED message to its user's grain, which applies it exactly once. The users of a batch are
/// called at once, each user's events one after the other in delivery order. Nothing is consumed until the cluster
/// is reachable; a silo or database that cannot be reached is a transient failure: the message is requeued, never
/// dead-lettered. A poison message is refused by <see cref="Read"/> and never reaches a grain, and so is an event older
/// than Consumer:MaxMessageAge: its processed_events key may be gone, so a duplicate could no longer be recognised.
/// </summary>
public sealed class UserGrainRouter(ClusterConnection cluster, IOptions<ConsumerOptions> options, TimeProvider time) : IMessageHandler<UserRegistered>
{
    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => cluster.ConnectedAsync(cancellationToken);

    public UserRegistered Read(ReadOnlyMemory<byte> body)
    {
        var message = UserRegisteredReader.Read(body);
        var maxAge = options.Value.MaxMessageAge;
        var age = time.GetUtcNow() - message.OccurredAt;
        return age <= maxAge
            ? message
            : throw new PoisonMessageException(
                $"expired: the event occurred at {message.OccurredAt:O}, {age.TotalHours:0.#} h ago, longer than Consumer:MaxMessageAge ({maxAge}); " +
                "its processed_events key may already be deleted (Consumer:DedupWindow), so it is not applied, to rule out a second welcome todo");
    }

    public async Task<IReadOnlyList<MessageOutcome>> ApplyAsync(IReadOnlyList<UserRegistered> messages, CancellationToken cancellationToken)
    {
        var grains = cluster.RequireGrains();
        var outcomes = new MessageOutcome[messages.Count];
        await Task.WhenAll(messages.Select((message, index) => (message, index)).GroupBy(m => m.message.Data.UserId).Select(async user =>
        {
            var grain = grains.GetGrain<IUserGrain>(user.Key);
            foreach (var (message, index) in user)
            {
                outcomes[index] = await grain.ApplyUserRegisteredAsync(message).WaitAsync(cancellationToken);
            }
        }));
        return outcomes;
    }

    public bool IsTransient(Exception failure) => ClusterFailures.IsTransient(failure) || DatabaseFailures.IsTransient(failure);
}
