using System.ComponentModel.DataAnnotations;

namespace AuthApi.Security;

public sealed class PasswordHashingOptions
{
    public const string Section = "PasswordHashing";

    /// <summary>
    /// BCrypt's work factor: a hash takes 2^WorkFactor rounds, so each step doubles its cost (65-84 ms of CPU at 10
    /// on the 2-core machine of BENCHMARKS.md). 10 is OWASP's minimum.
    /// </summary>
    [Range(10, 16, ErrorMessage = "PasswordHashing:WorkFactor must be between 10 (OWASP's minimum for bcrypt) and 16 (each step doubles the cost of a hash).")]
    public int WorkFactor { get; set; } = 10;

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
