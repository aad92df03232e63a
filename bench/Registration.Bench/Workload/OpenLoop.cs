using System.Diagnostics;

namespace Registration.Bench.Workload;

/// <summary>
/// Open-loop arrivals: item i starts at start + i / rate whether or not earlier ones have finished (a slow server does
/// not slow the arrivals down, as with real users).
/// </summary>
internal static class OpenLoop
{
    public static async Task<T[]> RunAsync<T>(double perSecond, TimeSpan duration, Func<int, Task<T>> start, CancellationToken cancellationToken)
    {
        var count = (int)Math.Round(perSecond * duration.TotalSeconds);
        var started = new List<Task<T>>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, cancellationToken);
            }

            started.Add(start(i));
        }

        return await Task.WhenAll(started);
    }
}
