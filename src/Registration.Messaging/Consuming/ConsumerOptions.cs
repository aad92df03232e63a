using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Consuming;

public sealed class ConsumerOptions
{
    public const string Section = "Consumer";

    /// <summary>Consume in this instance. Switch off to run an instance that only serves HTTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Unacknowledged messages the broker may hand this instance at once.</summary>
    [Range(1, 1000)]
    public ushort Prefetch { get; set; } = 64;

    /// <summary>Messages handled in parallel by this instance.</summary>
    [Range(1, 64)]
    public ushort Concurrency { get; set; } = 16;

    /// <summary>Deliveries of a message that keeps failing for an unknown reason before it is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>Pause before a message that failed is handed back to the queue.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
