using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Notifications;

/// <summary>The notification service's settings, read by the Notifications instances and the silos alike.</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>
    /// How long a notification is kept (by created_at). Its row is also the dedup key of its event, so it must be longer
    /// than Outbox:Retention + Consumer:MaxMessageAge (checked at start).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long a task event waits for an earlier one of its user that has not arrived (a gap in the sequence): once both
    /// its occurredAt and the moment it was first held back are older than this, it is applied and the gap logged.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the cluster's one notification cleaner deletes notifications older than <see cref="Retention"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most notifications one cleanup statement deletes; a pass repeats it while batches come back full, up to 10 times.</summary>
    [Range(1, 10_000)]
    public int CleanupBatchSize { get; set; } = 1000;
}
