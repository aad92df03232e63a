using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthApi.Security;

/// <summary>
/// ASP.NET Core Identity's PBKDF2-HMAC-SHA512 hasher behind a bounded queue: at most one hash per core
/// runs, a bounded number wait (oldest first, each at most <see cref="PasswordHashingOptions.QueueTimeout"/>),
/// and the rest are refused at once (null), so overload becomes a fast 503.
/// Hashes run on threads of their own ("password-hash", one per slot, for the life of the service), never on
/// thread-pool threads: a hash blocks its thread for tens of milliseconds, and with one pool thread per core,
/// hashes on the pool would leave none for the open registering transactions, the outbox relay and its NOTIFY
/// listener (measured in BENCHMARKS.md). A hashing thread takes the next waiting job as soon as it finishes
/// one, so a core never idles between hashes while requests wait. The threads run at the lowest priority, so
/// they take the cores only when nothing shorter waits for them.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    /// <summary>The name of the hashing threads (as Linux shows it in /proc/PID/task/TID/comm).</summary>
    public const string ThreadName = "password-hash";

    private static readonly object User = new();
    private readonly PasswordHasher<object> _hasher;
    private readonly TimeSpan _queueTimeout;
    private readonly int _capacity;
    private readonly BlockingCollection<IHashJob> _jobs = new();
    private int _admitted; // jobs waiting or running; jobs that gave up waiting are not counted

    public PasswordHashing(IOptions<PasswordHashingOptions> options)
    {
        var settings = options.Value;
        _hasher = NewHasher(settings.Iterations);
        var threads = settings.MaxConcurrency > 0 ? settings.MaxConcurrency : Environment.ProcessorCount;
        _capacity = threads + settings.QueueLimit;
        _queueTimeout = settings.QueueTimeout;
        for (var i = 0; i < threads; i++)
        {
            new Thread(RunJobs) { IsBackground = true, Name = ThreadName }.Start();
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
        if (Interlocked.Increment(ref _admitted) > _capacity)
        {
            Interlocked.Decrement(ref _admitted);
            return default;
        }

        var job = new HashJob<T>(work, () => Interlocked.Decrement(ref _admitted));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_queueTimeout);
        // Only a job still waiting gives up; once a thread has started it, the hash is awaited to its end.
        await using var giveUp = timeout.Token.Register(() => job.GiveUp(cancellationToken));
        _jobs.Add(job, CancellationToken.None);
        return await job.Result;
    }

    private void RunJobs()
    {
        BackgroundPriority.LowerForThisThread();
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            job.Run();
        }
    }

    public void Dispose() => _jobs.CompleteAdding();

    private interface IHashJob
    {
        void Run();
    }

    /// <summary>One hash: run by a hashing thread, or given up by its caller while it still waits (never both).</summary>
    private sealed class HashJob<T>(Func<T> work, Action done) : IHashJob
    {
        private const int Waiting = 0, Taken = 1;
        private readonly TaskCompletionSource<T?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state = Waiting;

        public Task<T?> Result => _result.Task;

        public void Run()
        {
            if (Interlocked.Exchange(ref _state, Taken) != Waiting)
            {
                return; // Its caller gave up waiting and has its answer.
            }

            try
            {
                _result.SetResult(work());
            }
            catch (Exception ex)
            {
                _result.SetException(ex);
            }
            finally
            {
                done();
            }
        }

        /// <summary>Answers "too busy" (null), or cancels if the request itself went away, unless a thread took the job.</summary>
        public void GiveUp(CancellationToken request)
        {
            if (Interlocked.Exchange(ref _state, Taken) != Waiting)
            {
                return;
            }

            done();
            if (request.IsCancellationRequested)
            {
                _result.SetCanceled(request);
            }
            else
            {
                _result.SetResult(default);
            }
        }
    }
}
