using System.ComponentModel.DataAnnotations;

namespace Registration.Grains.Accounts;

/// <summary>How the silos delete expired refresh tokens (their lifetime itself is AuthApi's Jwt:RefreshTokenLifetime, stored per row).</summary>
public sealed class RefreshTokenCleanupOptions
{
    public const string Section = "RefreshTokens";

    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);

    [Range(1, 100_000)]
    public int CleanupBatchSize { get; set; } = 1000;
}
