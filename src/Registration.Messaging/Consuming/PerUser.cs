using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>How a handler hands a batch to its users' grains: the users at once, each user's messages one after the other in delivery order.</summary>
public static class PerUser
{
    public static async Task<IReadOnlyList<MessageOutcome>> ApplyAsync<TMessage>(
        IReadOnlyList<TMessage> messages, Func<TMessage, Guid> userOf, Func<Guid, TMessage, Task<MessageOutcome>> apply, CancellationToken cancellationToken)
    {
        var outcomes = new MessageOutcome[messages.Count];
        await Task.WhenAll(messages.Select((message, index) => (message, index)).GroupBy(m => userOf(m.message)).Select(async user =>
        {
            foreach (var (message, index) in user)
            {
                outcomes[index] = await apply(user.Key, message).WaitAsync(cancellationToken);
            }
        }));
        return outcomes;
    }
}
