namespace Registration.Contracts;

/// <summary>What became of a consumed message: the first three are a user grain's answer, the others the consumer's.</summary>
[GenerateSerializer]
public enum MessageOutcome
{
    /// <summary>Applied now: its effect (the welcome todo) and its processed_events key were committed together.</summary>
    Applied,

    /// <summary>Applied before (its processed_events key exists): nothing changed.</summary>
    Duplicate,

    /// <summary>Older than the user's last applied event: recorded as 'stale', not applied.</summary>
    Stale,

    /// <summary>Could not be applied now (database or silo unreachable): back to the queue after a pause.</summary>
    Requeued,

    DeadLettered,
    DeadLetterFailed,
}
