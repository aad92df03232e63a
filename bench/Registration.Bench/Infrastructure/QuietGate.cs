namespace Registration.Bench.Infrastructure;

/// <summary>
/// The machine is shared (other users' tests may run): before a measured run, wait a bounded time for
/// it to be mostly idle, so that fewer runs are measured while something else saturates the cores.
/// </summary>
internal static class QuietGate
{
    private const double QuietPercent = 30;

    /// <returns>The machine's busy share (% of all cores) in the last second before going ahead.</returns>
    public static async Task<double> WaitAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double busy;
        do
        {
            var before = ProcStats.MachineBusyTime();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            busy = 100 * (ProcStats.MachineBusyTime() - before).TotalSeconds / Environment.ProcessorCount;
        }
        while (busy > QuietPercent && clock.Elapsed < limit);

        if (busy > QuietPercent)
        {
            Progress.Say($"  the machine is busy ({busy:0}% of all cores used by others); measuring anyway");
        }

        return busy;
    }
}
