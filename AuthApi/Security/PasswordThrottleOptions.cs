using System.ComponentModel.DataAnnotations;

namespace AuthApi.Security;

/// <summary>Per-account protection against password guessing; see <see cref="PasswordThrottle"/>.</summary>
public sealed class PasswordThrottleOptions
{
    public const string Section = "PasswordThrottle";

    /// <summary>Wrong passwords for one email allowed before its attempts are refused for a while.</summary>
    [Range(1, 100)]
    public int MaxFailures { get; set; } = 5;

    /// <summary>How long a wrong password is remembered (counted from the latest one, after any lockout).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The first lockout, after <see cref="MaxFailures"/> wrong passwords; each further one doubles it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FirstLockout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest lockout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);
}
