using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AuthApi.Security;

/// <summary>
/// Per-account protection against password guessing, shared by every AuthApi instance through Redis. After
/// PasswordThrottle:MaxFailures wrong passwords for one email (login, password change, account deletion) within
/// PasswordThrottle:Window, its attempts are refused before any hash is computed for PasswordThrottle:FirstLockout,
/// doubled at every further wrong password up to PasswordThrottle:MaxLockout; a right password clears it. An unknown email
/// is counted like a known one, so a lockout tells nothing about which emails exist. Keys begin with the Orleans service
/// id (deployments may share a Redis) and hold a SHA-256 of the email, never the address.
/// </summary>
public sealed class PasswordThrottle(IConnectionMultiplexer redis, IOptions<PasswordThrottleOptions> options, string serviceId)
{
    // KEYS: the failure counter, the lockout. ARGV: max failures, first lockout ms, max lockout ms, window ms.
    // The counter outlives the longest lockout by the window, so a guess right after a lockout ends locks again at once.
    private const string FailureScript =
        """
        local failures = redis.call('INCR', KEYS[1])
        local over = failures - tonumber(ARGV[1])
        local lockout = 0
        if over >= 0 then
          lockout = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ math.min(over, 30), tonumber(ARGV[3])))
          redis.call('SET', KEYS[2], '1', 'PX', lockout)
        end
        redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]) + lockout)
        return lockout
        """;

    private PasswordThrottleOptions Settings => options.Value;

    /// <summary>How long attempts for <paramref name="email"/> are still refused, or null when they are not.</summary>
    public async Task<TimeSpan?> LockedForAsync(string email)
    {
        var left = await redis.GetDatabase().KeyTimeToLiveAsync(Keys(email).Lockout);
        return left is { } ttl && ttl > TimeSpan.Zero ? ttl : null;
    }

    /// <summary>Counts a wrong password for <paramref name="email"/>.</summary>
    public async Task FailedAsync(string email)
    {
        var (failures, lockout) = Keys(email);
        await redis.GetDatabase().ScriptEvaluateAsync(
            FailureScript,
            [failures, lockout],
            [Settings.MaxFailures, (long)Settings.FirstLockout.TotalMilliseconds, (long)Settings.MaxLockout.TotalMilliseconds, (long)Settings.Window.TotalMilliseconds]);
    }

    /// <summary>A right password: the count starts again.</summary>
    public Task SucceededAsync(string email)
    {
        var (failures, lockout) = Keys(email);
        return redis.GetDatabase().KeyDeleteAsync([failures, lockout]);
    }

    private (RedisKey Failures, RedisKey Lockout) Keys(string email)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email)));
        return ($"{serviceId}:password-throttle:{{{id}}}:failures", $"{serviceId}:password-throttle:{{{id}}}:lockout");
    }
}
