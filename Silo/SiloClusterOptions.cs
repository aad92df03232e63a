using System.ComponentModel.DataAnnotations;

namespace Registration.Silo;

/// <summary>Where this silo listens (section "Orleans", beside the cluster's identity in ClusterIdentityOptions).</summary>
public sealed class SiloClusterOptions
{
    public const string Section = "Orleans";

    /// <summary>The address other silos and clients reach this silo at.</summary>
    [Required]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Shortest reminder period Orleans accepts (Orleans' own default is 1 minute; 10 s here, so the relays' keep-alive can
    /// be that short): at most Outbox:KeepAlivePeriod (checked at start), and at most the processed_events cleaner's 1 minute.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromSeconds(10);
}
