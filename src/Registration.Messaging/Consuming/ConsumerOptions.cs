using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Consuming;

public sealed class ConsumerOptions
{
    public const string Section = "Consumer";

    /// <summary>The consumer's name in the broker's connection list, logs and readiness.</summary>
    public const string WorkerName = "consumer";

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
}
