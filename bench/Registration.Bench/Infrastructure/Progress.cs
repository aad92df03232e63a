using System.Diagnostics;

namespace Registration.Bench.Infrastructure;

/// <summary>Progress lines on stderr, prefixed with the time since the harness started.</summary>
internal static class Progress
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static TimeSpan Elapsed => Clock.Elapsed;

    public static void Say(string message) =>
        Console.Error.WriteLine($"[{Clock.Elapsed:mm\\:ss}] {message}");
}
