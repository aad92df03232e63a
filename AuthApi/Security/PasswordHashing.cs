using System.Collections.Concurrent;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AuthApi.Security;

/// <summary>
/// The password hasher (<see cref="PasswordHasher"/>: BCrypt, old PBKDF2 hashes verify-only) behind a bounded queue:
/// at most one hash per core runs, a bounded number wait (oldest first, each at most
/// <see cref="PasswordHashingOptions.QueueTimeout"/>), and the rest are refused at once (null), so overload becomes a fast 503.
/// Hashes run on threads of their own ("password-hash", one per slot, for the life of the service), never on
/// thread-pool threads: a hash blocks its thread for tens of milliseconds, and with one pool thread per core,
/// hashes on the pool would leave none for the open registering transactions. A hashing thread takes the next waiting job as soon as it finishes
/// one, so a core never idles between hashes while requests wait. The threads run at the lowest priority, so
/// they take the cores only when nothing shorter waits for them.
/// </summary>
public sealed class PasswordHashing : IDisposable
{
    /// <summary>The name of the hashing threads (as Linux shows it in /proc/PID/task/TID/comm).</summary>
    public const string ThreadName = "password-hash";

    private readonly PasswordHasher _hasher;
    private readonly Lazy<string> _unknownUserHash;
    private readonly TimeSpan _queueTimeout;
    private readonly int _capacity;
    private readonly BlockingCollection<IHashJob> _jobs = new();
    private int _admitted; // jobs waiting or running; jobs that gave up waiting are not counted

    public PasswordHashing(IOptions<PasswordHashingOptions> options)
    {
        var settings = options.Value;
        _hasher = new PasswordHasher(settings.WorkFactor);
        // Verified against when the email is unknown, so that every failed login costs one verification at the
        // configured work factor. Made by the first job that needs it, on a hashing thread.
        _unknownUserHash = new Lazy<string>(() => _hasher.Hash(Guid.NewGuid().ToString()));
        var threads = settings.MaxConcurrency > 0 ? settings.MaxConcurrency : Environment.ProcessorCount;
        _capacity = threads + settings.QueueLimit;
        _queueTimeout = settings.QueueTimeout;
        for (var i = 0; i < threads; i++)
        {
            new Thread(RunJobs) { IsBackground = true, Name = ThreadName }.Start();
        }
    }

    /// <returns>The hash, or null when the service is too busy to compute it now.</returns>
    public Task<string?> HashAsync(string password, CancellationToken cancellationToken) =>
        RunBoundedAsync(() => _hasher.Hash(password), cancellationToken);

    /// <summary>
    /// Checks a password against an account's stored hash in one job; when the hash is of an old scheme or a lower
    /// work factor and the password matches, the same job also hashes the password anew.
    /// </summary>
    /// <param name="storedHash">The account's hash, or null when there is no such account: then a hash of the current
    /// scheme and work factor is verified instead, so the answer costs the same.</param>
    /// <returns>The outcome, or null when the service is too busy to check now.</returns>
    public Task<PasswordCheck?> VerifyAsync(string? storedHash, string password, CancellationToken cancellationToken) =>
        RunBoundedAsync(() => Check(storedHash ?? _unknownUserHash.Value, password), cancellationToken);

    private PasswordCheck Check(string storedHash, string password) => _hasher.Verify(storedHash, password) switch
    {
        PasswordVerificationResult.Success => new PasswordCheck(true, null),
        PasswordVerificationResult.SuccessRehashNeeded => new PasswordCheck(true, _hasher.Hash(password)),
        _ => new PasswordCheck(false, null),
    };

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

    /// <param name="Matches">Whether the password is the account's.</param>
    /// <param name="NewHash">The password's hash in the current scheme and work factor, when the stored one needs replacing.</param>
    public sealed record PasswordCheck(bool Matches, string? NewHash);

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
