namespace Registration.ServiceDefaults.Http;

public sealed class AdminOptions
{
    public const string Section = "Admin";
    public const string HeaderName = "X-Admin-Key";

    /// <summary>The credential for /api/v1/admin endpoints (header X-Admin-Key). Unset: the admin API is off.</summary>
    public string ApiKey { get; set; } = "";
}
