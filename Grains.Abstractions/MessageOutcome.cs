namespace Registration.Contracts;

/// <summary>
/// What became of a consumed message: Applied, Duplicate, Stale and Expired are a user grain's answer, the others the
/// consumer's. The values travel between silos and clients: never renumber one, append new members at the end.
/// </summary>
[GenerateSerializer]
[Alias("registration.message-outcome")]
public enum MessageOutcome
{
    /// <summary>Applied now: its effect (the welcome todo) and its processed_events key were committed together.</summary>
    Applied = 0,

    /// <summary>Applied before (its processed_events key exists): nothing changed.</summary>
    Duplicate = 1,

    /// <summary>Older than the user's last applied event: recorded as 'stale', not applied.</summary>
    Stale = 2,

    /// <summary>Could not be applied now (database or silo unreachable): back to the queue after a pause.</summary>
    Requeued = 3,

    DeadLettered = 4,

    DeadLetterFailed = 5,

    /// <summary>
    /// Not seen before (no processed_events key) and older than Consumer:MaxMessageAge: its key may have been deleted
    /// (Consumer:DedupWindow), so it may have been applied long ago. Nothing recorded, nothing created; the consumer
    /// dead-letters it with the reason.
    /// </summary>
    Expired = 6,

    /// <summary>The user's data was erased (an account deletion): the event belongs to no one any more; nothing recorded, acked.</summary>
    Erased = 7,
}
