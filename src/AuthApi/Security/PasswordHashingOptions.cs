using System.ComponentModel.DataAnnotations;

namespace AuthApi.Security;

public sealed class PasswordHashingOptions
{
    public const string Section = "PasswordHashing";

    /// <summary>PBKDF2-HMAC-SHA512 iterations; never below 100,000.</summary>
    [Range(100_000, 10_000_000)]
    public int Iterations { get; set; } = 100_000;

    /// <summary>Hashes computed at once; 0 means one per core (hashing is pure CPU).</summary>
    [Range(0, 256)]
    public int MaxConcurrency { get; set; }

    /// <summary>Requests allowed to wait for a hashing slot; past this the answer is an immediate 503.</summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; } = 16;

    /// <summary>Longest wait for a hashing slot before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
