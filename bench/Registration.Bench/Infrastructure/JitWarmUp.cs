using System.Diagnostics;

namespace Registration.Bench.Infrastructure;

/// <summary>
/// Warm-up that lasts until the services' code is compiled. A .NET process recompiles its hot methods in the
/// background (tiered compilation) during its first seconds under load; measured right after a short warm-up,
/// that one-off compiling (up to a fifth of a core) would be counted as the cost of every request. The load
/// keeps running, a second at a time, until the compiler threads of every service used less than
/// <see cref="SettledShare"/> of a core in the last second.
/// </summary>
internal static class JitWarmUp
{
    /// <summary>Compiler CPU per second of wall time below which a service counts as warm (2% of one core).</summary>
    public const double SettledShare = 0.02;

    // The runtime names the thread ".NET Tiered Compilation Worker"; Linux keeps the first 15 characters.
    private const string CompilerThread = ".NET Tiered Com";

    /// <param name="load">Runs the warm-up load for the given time.</param>
    /// <returns>How long the warm-up took.</returns>
    public static async Task<TimeSpan> RunAsync(
        Func<TimeSpan, Task> load, IEnumerable<int> pids, TimeSpan atLeast, TimeSpan atMost, CancellationToken cancellationToken)
    {
        var services = pids.ToArray();
        var clock = Stopwatch.StartNew();
        await load(atLeast);
        while (true)
        {
            var before = services.Select(CompilerCpuTime).ToArray();
            var second = Stopwatch.StartNew();
            await load(TimeSpan.FromSeconds(1));
            var busiest = services.Select((pid, i) => (CompilerCpuTime(pid) - before[i]) / second.Elapsed).Max();
            if (busiest < SettledShare)
            {
                return clock.Elapsed;
            }

            if (clock.Elapsed >= atMost)
            {
                Progress.Say($"  warm-up: the JIT still used {100 * busiest:0}% of a core after {atMost.TotalSeconds:0} s; measuring anyway");
                return clock.Elapsed;
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>CPU time the process's tiered-compilation threads have used so far.</summary>
    public static TimeSpan CompilerCpuTime(int pid) => ProcStats.ThreadsCpuTime(pid, CompilerThread);
}
