using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Consuming;

public sealed class ConsumerOptions
{
    public const string Section = "Consumer";

    /// <summary>Consume in this instance. Switch off to run an instance that only serves HTTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Unacknowledged messages the broker may hand this instance at once.</summary>
    [Range(1, 10_000)]
    public ushort Prefetch { get; set; } = 1000;

    /// <summary>Batches in flight at once in this instance.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Most messages handed to the handler at once; a batch takes what is waiting, it never waits to fill up.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Deliveries of a message that keeps failing for an unknown reason before it is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>Pause before a message that failed is handed back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long processed_events keys are kept (by processed_at) to absorb duplicates. Must be longer than
    /// Outbox:Retention + <see cref="MaxMessageAge"/>: a copy of an event can be produced while its outbox row exists,
    /// and can then wait in the queue or the dead-letter queue; its key must still be there when it arrives.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// The oldest event (by its occurredAt) a silo still applies. An older one whose processed_events key exists is a
    /// duplicate like any other; one whose key is not there is dead-lettered as expired instead, because the key may
    /// have been deleted after it was applied, and applying it again would make a second welcome todo. Read by the
    /// silos (which decide) and TodoConsumer (which writes the reason): set it alike on both.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxMessageAge { get; set; } = TimeSpan.FromDays(5);

    /// <summary>How often the cluster's one dedup-key cleaner deletes processed_events keys older than <see cref="DedupWindow"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan DedupCleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most keys one cleanup statement deletes; a pass repeats it while batches come back full, up to 10 times.</summary>
    [Range(1, 10_000)]
    public int DedupCleanupBatchSize { get; set; } = 1000;
}
