namespace Registration.Grains;

/// <summary>
/// The cluster's one cleaner of processed_events keys older than Consumer:DedupWindow (one grain, key
/// <see cref="Key"/>, so instances never race each other). A reminder keeps it alive; the silos call
/// <see cref="EnsureRunningAsync"/> to start it.
/// </summary>
[Alias("registration.dedup-key-cleaner")]
public interface IDedupKeyCleanerGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    /// <summary>Activates the cleaner if it is not running; nothing else.</summary>
    [Alias("registration.dedup-key-cleaner.ensure-running")]
    Task EnsureRunningAsync();
}
