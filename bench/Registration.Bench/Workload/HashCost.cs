using System.Diagnostics;
using AuthApi.Security;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Workload;

/// <summary>
/// The cost of one password hash with AuthApi's own <see cref="PasswordHashing"/> and its shipped
/// settings, measured in the harness one hash at a time: the unit of the registration ceiling.
/// </summary>
internal static class HashCost
{
    /// <returns>
    /// CPU milliseconds per hash of the harness process, which does nothing else meanwhile (CPU time, unlike
    /// wall time, is not inflated by a busy machine), and the median wall milliseconds of one hash.
    /// </returns>
    public static Task<(double CpuMs, double WallMs)> MeasureAsync(ShippedSettings shipped, int samples, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<(double, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(Measure(shipped, samples, cancellationToken));
            }
            catch (Exception ex)
            {
                result.SetException(ex);
            }
        })
        { IsBackground = true, Name = "hash-cost" };
        thread.Start();
        return result.Task;
    }

    /// <summary>
    /// Hashes per second with one thread per core hashing at once: what the cores really deliver together
    /// (virtual cores that share a physical core, or a busy host, give less than cores x one thread).
    /// </summary>
    public static Task<double> MeasureParallelRateAsync(ShippedSettings shipped, int hashesPerThread, CancellationToken cancellationToken)
    {
        var threads = Environment.ProcessorCount;
        var start = new Barrier(threads + 1);
        var done = new CountdownEvent(threads);
        for (var t = 0; t < threads; t++)
        {
            new Thread(() =>
            {
                using var hashing = NewHashing(shipped);
                Hash(hashing, cancellationToken);
                start.SignalAndWait(cancellationToken);
                for (var i = 0; i < hashesPerThread; i++)
                {
                    Hash(hashing, cancellationToken);
                }

                done.Signal();
            })
            { IsBackground = true, Name = "hash-rate" }.Start();
        }

        return Task.Run(() =>
        {
            using (start)
            using (done)
            {
                start.SignalAndWait(cancellationToken);
                var clock = Stopwatch.StartNew();
                done.Wait(cancellationToken);
                return threads * hashesPerThread / clock.Elapsed.TotalSeconds;
            }
        }, cancellationToken);
    }

    private static PasswordHashing NewHashing(ShippedSettings shipped) =>
        new(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions
        {
            Iterations = shipped.HashIterations,
            MaxConcurrency = 1,
            QueueLimit = 0,
        }));

    private static (double CpuMs, double WallMs) Measure(ShippedSettings shipped, int samples, CancellationToken cancellationToken)
    {
        using var hashing = NewHashing(shipped);
        for (var i = 0; i < 2; i++)
        {
            Hash(hashing, cancellationToken);
        }

        var times = new List<double>(samples);
        // PasswordHashing runs each hash on a thread of its own, so the whole process is measured, not this thread.
        var cpu = ProcStats.OwnCpuTime();
        for (var i = 0; i < samples; i++)
        {
            var clock = Stopwatch.StartNew();
            Hash(hashing, cancellationToken);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return ((ProcStats.OwnCpuTime() - cpu).TotalMilliseconds / samples, Stats.Median(times));
    }

    // With a free permit the limiter grants at once; this thread waits for the hash.
    private static void Hash(PasswordHashing hashing, CancellationToken cancellationToken) =>
        _ = hashing.HashAsync(RegistrationClient.Password, cancellationToken).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("hashing refused");
}
