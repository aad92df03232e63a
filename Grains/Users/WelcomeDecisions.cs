using Registration.Contracts;

namespace Registration.Grains.Users;

/// <summary>What each event of a batch does, given its users' last applied sequences and the events processed before.</summary>
public static class WelcomeDecisions
{
    /// <summary>
    /// In delivery order: seen before is a duplicate, newer than the user's last applied is applied, older is stale.
    /// An event without a sequence is applied unless seen before, and moves nobody's last applied sequence.
    /// </summary>
    public static IReadOnlyList<MessageOutcome> Decide(
        IReadOnlyList<UserRegistered> messages, IReadOnlyDictionary<Guid, long> lastSequences, IReadOnlySet<Guid> processed)
    {
        var seen = new HashSet<Guid>(processed);
        var last = new Dictionary<Guid, long>(lastSequences);
        var outcomes = new MessageOutcome[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var user = message.Data.UserId;
            if (!seen.Add(message.EventId))
            {
                outcomes[i] = MessageOutcome.Duplicate;
            }
            else if (message.Sequence is not { } sequence)
            {
                outcomes[i] = MessageOutcome.Applied;
            }
            else if (sequence > last.GetValueOrDefault(user))
            {
                outcomes[i] = MessageOutcome.Applied;
                last[user] = sequence;
            }
            else
            {
                outcomes[i] = MessageOutcome.Stale;
            }
        }

        return outcomes;
    }
}
