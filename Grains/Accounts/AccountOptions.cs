using System.ComponentModel.DataAnnotations;

namespace Registration.Grains.Accounts;

/// <summary>The account deletion saga's timing (section "Account").</summary>
public sealed class AccountOptions
{
    public const string Section = "Account";

    /// <summary>How long a requested deletion waits before the erasure begins; the user may cancel meanwhile.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan DeletionGrace { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a service has to answer an erasure request before it is sent again (then twice as long, and so on, up to
    /// <see cref="MaxStepBackoff"/>); also the period of the saga's reminder, so at least Orleans:MinimumReminderPeriod.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait between two re-sent requests.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxStepBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the erasure may wait for replies in all before the saga is marked Stuck for an operator.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan StepDeadline { get; set; } = TimeSpan.FromDays(1);
}
