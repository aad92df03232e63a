using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthApi.Security;

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher behind a concurrency limit: at most one hash per
/// core runs, a bounded number wait, and the rest are refused at once (null), so overload becomes a
/// fast 503. Hashes run on threads of their own ("password-hash", one per permit, for the life of the service),
/// never on thread-pool threads: a hash blocks its thread for tens of milliseconds, and with one pool thread
/// per core, hashes on the pool would leave none for the open registering transactions, the outbox relay and
/// its NOTIFY listener (measured in BENCHMARKS.md). Those threads also run at the lowest priority, so they take
/// the cores only when nothing shorter waits for them.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    /// <summary>The name of the hashing threads (as Linux shows it in /proc/PID/task/TID/comm).</summary>
    public const string ThreadName = "password-hash";

    private static readonly object User = new();
    private readonly PasswordHasher<object> _hasher;
    private readonly ConcurrencyLimiter _limiter;
    private readonly TimeSpan _queueTimeout;
    // Never holds more items than there are threads: a caller adds one only while it holds a permit.
    private readonly BlockingCollection<Action> _work = new();

    public PasswordHashing(IOptions<PasswordHashingOptions> options)
    {
        var settings = options.Value;
        _hasher = NewHasher(settings.Iterations);
        var permits = settings.MaxConcurrency > 0 ? settings.MaxConcurrency : Environment.ProcessorCount;
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = permits,
            QueueLimit = settings.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _queueTimeout = settings.QueueTimeout;
        for (var i = 0; i < permits; i++)
        {
            new Thread(RunHashes) { IsBackground = true, Name = ThreadName }.Start();
        }

        // Verified against when the email is unknown, so both kinds of failed login cost one hash.
        UnknownUserHash = _hasher.HashPassword(User, Guid.NewGuid().ToString());
    }

    public string UnknownUserHash { get; }

    /// <summary>The hasher itself, unbounded: PBKDF2-HMAC-SHA512 in ASP.NET Core Identity's V3 format.</summary>
    public static PasswordHasher<object> NewHasher(int iterations) => new(Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = iterations,
    }));

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
            if (!lease.IsAcquired)
            {
                return default;
            }

            var result = new TaskCompletionSource<T?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                try
                {
                    result.SetResult(work());
                }
                catch (Exception ex)
                {
                    result.SetException(ex);
                }
            }, CancellationToken.None);
            return await result.Task;
        }
    }

    private void RunHashes()
    {
        BackgroundPriority.LowerForThisThread();
        foreach (var hash in _work.GetConsumingEnumerable())
        {
            hash();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _limiter.Dispose();
    }
}
