using System.Diagnostics;
using AuthApi.Security;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Workload;

/// <summary>
/// The cost of one password hash with AuthApi's own hasher (<see cref="PasswordHasher"/>) and its shipped work
/// factor, measured in the harness one hash at a time: the unit of the registration ceiling.
/// </summary>
internal static class HashCost
{
    /// <returns>
    /// CPU milliseconds per hash of the hashing thread itself (CPU time, unlike wall time, is not inflated by a
    /// busy machine, and nothing else the harness does is counted), and the median wall milliseconds of one hash.
    /// </returns>
    public static Task<(double CpuMs, double WallMs)> MeasureAsync(ShippedSettings shipped, int samples, CancellationToken cancellationToken) =>
        MeasureAsync(new PasswordHasher(shipped.HashWorkFactor).Hash, samples, cancellationToken);

    /// <summary>The same for any hash function of a password (another work factor, the PBKDF2 hash of before).</summary>
    public static Task<(double CpuMs, double WallMs)> MeasureAsync(Func<string, string> hash, int samples, CancellationToken cancellationToken)
    {
        var result = new TaskCompletionSource<(double, double)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                result.SetResult(Measure(hash, samples, cancellationToken));
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
                var hasher = new PasswordHasher(shipped.HashWorkFactor);
                hasher.Hash(RegistrationClient.Password);
                start.SignalAndWait(cancellationToken);
                for (var i = 0; i < hashesPerThread; i++)
                {
                    hasher.Hash(RegistrationClient.Password);
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

    private static (double CpuMs, double WallMs) Measure(Func<string, string> hash, int samples, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 2; i++)
        {
            hash(RegistrationClient.Password);
        }

        var times = new List<double>(samples);
        var cpu = ProcStats.ThreadCpuTime("/proc/thread-self");
        for (var i = 0; i < samples; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            hash(RegistrationClient.Password);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return ((ProcStats.ThreadCpuTime("/proc/thread-self") - cpu).TotalMilliseconds / samples, Stats.Median(times));
    }
}
