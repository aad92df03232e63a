using System.Diagnostics;

namespace Registration.Bench.Infrastructure;

/// <summary>Bounded polling: every wait has a limit and fails saying what it waited for.</summary>
internal static class Wait
{
    /// <returns>The first value that satisfied the condition.</returns>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string expectation, TimeSpan? interval = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {expectation}; last value {value}");
            }

            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(10), cancellationToken);
        }
    }
}
