using System.Diagnostics;
using AuthApi.Security;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Workload;

/// <summary>
/// The cost of one password hash with AuthApi's own <see cref="PasswordHashing"/> and its shipped
/// settings, measured in the harness on one thread: the unit of the registration ceiling.
/// </summary>
internal static class HashCost
{
    /// <returns>
    /// CPU milliseconds per hash (process CPU time over <paramref name="samples"/> hashes, which a busy
    /// machine does not inflate) and the median wall milliseconds of one hash.
    /// </returns>
    public static async Task<(double CpuMs, double WallMs)> MeasureAsync(ShippedSettings shipped, int samples, CancellationToken cancellationToken)
    {
        using var hashing = new PasswordHashing(Microsoft.Extensions.Options.Options.Create(new PasswordHashingOptions
        {
            Iterations = shipped.HashIterations,
            MaxConcurrency = 1,
            QueueLimit = 0,
        }));
        for (var i = 0; i < 2; i++)
        {
            await HashAsync(hashing, cancellationToken);
        }

        var times = new List<double>(samples);
        var cpu = ProcStats.OwnCpuTime();
        for (var i = 0; i < samples; i++)
        {
            var clock = Stopwatch.StartNew();
            await HashAsync(hashing, cancellationToken);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return ((ProcStats.OwnCpuTime() - cpu).TotalMilliseconds / samples, Stats.Median(times));
    }

    private static async Task HashAsync(PasswordHashing hashing, CancellationToken cancellationToken) =>
        _ = await hashing.HashAsync(RegistrationClient.Password, cancellationToken) ?? throw new InvalidOperationException("hashing refused");
}
