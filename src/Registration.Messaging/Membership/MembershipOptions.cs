using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Membership;

public sealed class MembershipOptions
{
    public const string Section = "Membership";

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed heartbeats after which an instance is shown dead.</summary>
    [Range(2, 100)]
    public int MissedHeartbeatsForDead { get; set; } = 3;

    public TimeSpan DeadAfter => HeartbeatInterval * MissedHeartbeatsForDead;

    /// <summary>Filled in by the registration of each enabled worker; not meant to be configured.</summary>
    public ISet<string> Workers { get; } = new HashSet<string>();
}
