using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Outbox;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>Run the relay in this instance. Switch off to run an instance that only serves HTTP.</summary>
    public bool RelayEnabled { get; set; } = true;

    /// <summary>
    /// Outbox partitions (stable hash of the user id). Each has one relay at a time. Change it only with
    /// an empty outbox: rows written under another count would land in partitions nobody leases.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 16;

    /// <summary>A partition lease lasts this long unless renewed (renewed at a third of it).</summary>
    [Range(typeof(TimeSpan), "00:00:00.300", "00:10:00")]
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Period of the reminder that keeps each partition's relay grain alive: after its silo died, the grain is
    /// back on a survivor within this time even if no registration wakes it. Orleans' minimum is 1 minute unless
    /// the silo lowers ReminderOptions.MinimumReminderPeriod.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most rows one relay step claims, publishes and marks in one transaction.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 2000;

    /// <summary>
    /// Relay steps run at once by one relay, each over its own share of the relay's partitions (partition
    /// mod lanes) on its own channel, so one step's database work overlaps another's wait for confirms while
    /// a partition still has one step at a time (its rows stay in order).
    /// </summary>
    [Range(1, 16)]
    public int Lanes { get; set; } = 2;

    /// <summary>Fallback poll when no NOTIFY arrives (e.g. the LISTEN connection is being re-established).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:01")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long to wait for the broker's confirm of one message before counting it as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Readiness fails (503) while the oldest PENDING event is older than this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxPendingAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Backoff of a row after a failed publish: doubles per attempt from this value...</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>...up to this cap.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);
}
