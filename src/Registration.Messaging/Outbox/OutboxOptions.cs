using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Outbox;

public sealed class OutboxOptions : IValidatableObject
{
    public const string Section = "Outbox";

    /// <summary>
    /// Outbox partitions (stable hash of the user id), each relayed by its own grain. Set the same value on
    /// AuthApi and the silos, and change it only with an empty outbox: rows written under another count would
    /// land in partitions nobody relays.
    /// </summary>
    [Range(1, 1024)]
    public int Partitions { get; set; } = 16;

    /// <summary>
    /// Period of the reminder that keeps each partition's relay grain alive (registered on each activation): after its
    /// silo died, the grain is back on a survivor within the cluster's detection of the death plus this period, even if
    /// nothing wakes it. At least Orleans:MinimumReminderPeriod (checked at start by the silo).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most rows one relay step reads, publishes and marks.</summary>
    [Range(1, 5000)]
    public int BatchSize { get; set; } = 2000;

    /// <summary>Fallback poll of each relay grain, for rows whose wake-up was lost (no silo reachable at the commit).</summary>
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

    /// <summary>...up to this cap (at least <see cref="RetryInitialDelay"/>, checked at start).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long SENT rows are kept before the partition's relay deletes them. PENDING rows are never deleted. Must be
    /// shorter than Consumer:DedupWindow minus Consumer:MaxMessageAge (checked at start where both are known).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often an idle relay looks for SENT rows past <see cref="Retention"/> (every tenth of it while passes find full batches).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most SENT rows one retention pass deletes (one short statement, between two relay steps).</summary>
    [Range(1, 10_000)]
    public int RetentionBatchSize { get; set; } = 1000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxDelay < RetryInitialDelay)
        {
            yield return new ValidationResult(
                $"Outbox:RetryMaxDelay ({RetryMaxDelay}) is shorter than Outbox:RetryInitialDelay ({RetryInitialDelay}): the backoff's cap must be at least its first delay.",
                [nameof(RetryMaxDelay), nameof(RetryInitialDelay)]);
        }
    }
}
