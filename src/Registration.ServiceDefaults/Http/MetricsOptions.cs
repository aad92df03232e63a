namespace Registration.ServiceDefaults.Http;

/// <summary>The scraper's login to /metrics (HTTP Basic), separate from the admin's: neither can do the other's job.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public string Username { get; set; } = "prometheus";

    /// <summary>Unset: /metrics answers 403 to everyone.</summary>
    public string Password { get; set; } = "";
}
