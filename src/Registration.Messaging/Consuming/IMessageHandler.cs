using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Reads and applies the messages of one queue. The consumer reads every message on its own, so a poison
/// message never holds back the others, and applies what it read in batches.
/// </summary>
public interface IMessageHandler<TMessage>
{
    /// <summary>Completes once messages can be applied (e.g. the cluster is reachable); nothing is consumed before.</summary>
    Task WaitUntilReadyAsync(CancellationToken cancellationToken);

    /// <summary>Parses a body; throws <see cref="PoisonMessageException"/> when it can never be applied.</summary>
    TMessage Read(ReadOnlyMemory<byte> body);

    /// <summary>
    /// Applies the messages, each user's in order, and says for each whether it changed anything
    /// (<see cref="MessageOutcome.Applied"/>), had been applied before (<see cref="MessageOutcome.Duplicate"/>, however
    /// old), was older than what was already applied (<see cref="MessageOutcome.Stale"/>), or was not seen before and is
    /// too old to tell whether it ever was (<see cref="MessageOutcome.Expired"/>: dead-lettered with
    /// <see cref="ExpiredReason"/>), or cannot be applied yet, e.g. it waits for an earlier event of its user
    /// (<see cref="MessageOutcome.Requeued"/>: back to the queue after Consumer:RetryDelay, never dead-lettered for it). Any exception is retried: a failing batch is split into single messages, so one bad
    /// message cannot hold back the rest.
    /// </summary>
    Task<IReadOnlyList<MessageOutcome>> ApplyAsync(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken);

    /// <summary>The dead-letter reason of a message <see cref="ApplyAsync"/> answered <see cref="MessageOutcome.Expired"/>; it starts with "expired".</summary>
    string ExpiredReason(TMessage message);

    /// <summary>
    /// Whether a failure says nothing about the messages (the database or the cluster unreachable): they go back
    /// to the queue after a pause, however often it happens, and are never dead-lettered for it.
    /// </summary>
    bool IsTransient(Exception failure);
}
