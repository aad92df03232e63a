using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthApi.Security;

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher behind a concurrency limit: at most one hash per
/// core runs, a bounded number wait, and the rest are refused at once (null), so overload becomes a
/// fast 503. Each hash runs on a thread of its own, never on a thread-pool thread: a hash blocks its thread
/// for tens of milliseconds, and with one pool thread per core, hashes on the pool would leave none for the
/// open registering transactions, the outbox relay and its NOTIFY listener (measured in BENCHMARKS.md).
/// That thread also runs at a lower priority, so it takes the cores only when nothing shorter waits for them.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    private static readonly object User = new();
    private readonly PasswordHasher<object> _hasher;
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeSpan _queueTimeout;

    public PasswordHashing(IOptions<PasswordHashingOptions> options)
    {
        var settings = options.Value;
        _hasher = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = settings.Iterations,
        }));
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.MaxConcurrency > 0 ? settings.MaxConcurrency : Environment.ProcessorCount,
            QueueLimit = settings.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _queueTimeout = settings.QueueTimeout;
        // Verified against when the email is unknown, so both kinds of failed login cost one hash.
        UnknownUserHash = _hasher.HashPassword(User, Guid.NewGuid().ToString());
    }

    public string UnknownUserHash { get; }

    /// <returns>The hash, or null when the service is too busy to compute it now.</returns>
    public Task<string?> HashAsync(string password, CancellationToken cancellationToken) =>
        RunBoundedAsync(() => _hasher.HashPassword(User, password), cancellationToken);

    /// <returns>Whether the password matches, or null when the service is too busy to check now.</returns>
    public async Task<bool?> VerifyAsync(string hash, string password, CancellationToken cancellationToken)
    {
        var result = await RunBoundedAsync<PasswordVerificationResult?>(() => _hasher.VerifyHashedPassword(User, hash, password), cancellationToken);
        return result is null ? null : result != PasswordVerificationResult.Failed;
    }

    private async Task<T?> RunBoundedAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_queueTimeout);
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return default;
        }

        using (lease)
        {
            return lease.IsAcquired
                ? await Task.Factory.StartNew(() =>
                {
                    BackgroundPriority.LowerForThisThread();
                    return work();
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                : default;
        }
    }

    public void Dispose() => _limiter.Dispose();
}
