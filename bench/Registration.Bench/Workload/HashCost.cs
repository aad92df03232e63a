using System.Diagnostics;
using AuthApi.Security;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Workload;

/// <summary>
/// The cost of one password hash with AuthApi's own <see cref="PasswordHashing"/> and its shipped
/// settings, measured in the harness on one dedicated thread: the unit of the registration ceiling.
/// </summary>
internal static class HashCost
{
    /// <returns>
    /// CPU milliseconds per hash of the hashing thread itself (which a busy machine does not inflate, unlike
    /// wall time), and the median wall milliseconds of one hash.
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

    private static (double CpuMs, double WallMs) Measure(ShippedSettings shipped, int samples, CancellationToken cancellationToken)
    {
        using var hashing = new PasswordHashing(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions
        {
            Iterations = shipped.HashIterations,
            MaxConcurrency = 1,
            QueueLimit = 0,
        }));
        for (var i = 0; i < 2; i++)
        {
            Hash(hashing, cancellationToken);
        }

        var times = new List<double>(samples);
        var cpu = ProcStats.ThreadCpuTime();
        for (var i = 0; i < samples; i++)
        {
            var clock = Stopwatch.StartNew();
            Hash(hashing, cancellationToken);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return ((ProcStats.ThreadCpuTime() - cpu).TotalMilliseconds / samples, Stats.Median(times));
    }

    // With a free permit the limiter grants at once and the hash runs on this thread, synchronously.
    private static void Hash(PasswordHashing hashing, CancellationToken cancellationToken) =>
        _ = hashing.HashAsync(RegistrationClient.Password, cancellationToken).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("hashing refused");
}
