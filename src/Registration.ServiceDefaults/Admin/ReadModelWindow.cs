namespace Registration.ServiceDefaults.Admin;

/// <summary>
/// The time window shared by the admin read models: rates and latencies over the last minute, and
/// 10 s buckets over the last five minutes for charts. Buckets are aligned to the epoch, so two
/// instances answering at the same moment give the same buckets; the bucket still filling is left out.
/// </summary>
public static class ReadModelWindow
{
    public const int BucketSeconds = 10;
    public const int BucketCount = 30;
    public const int RateWindowSeconds = 60;

    /// <summary>The number of the bucket that holds an instant given in seconds since the epoch.</summary>
    public static long BucketOf(double epochSeconds) => (long)Math.Floor(epochSeconds / BucketSeconds);

    /// <summary>The complete buckets of the window, oldest first: the <see cref="BucketCount"/> before the one holding <paramref name="nowEpochSeconds"/>.</summary>
    public static IReadOnlyList<long> CompleteBuckets(double nowEpochSeconds)
    {
        var current = BucketOf(nowEpochSeconds);
        return [.. Enumerable.Range(0, BucketCount).Select(i => current - BucketCount + i)];
    }

    public static DateTimeOffset StartOf(long bucket) => DateTimeOffset.FromUnixTimeSeconds(bucket * BucketSeconds);

    public static double PerSecond(long count, int seconds) => Math.Round((double)count / seconds, 3);
}

/// <summary>Two percentiles of a latency in milliseconds; null when nothing happened in the window.</summary>
public sealed record LatencyMs(double? P50, double? P99)
{
    public static LatencyMs From(double? p50Seconds, double? p99Seconds) => new(Ms(p50Seconds), Ms(p99Seconds));

    private static double? Ms(double? seconds) => seconds is { } s ? Math.Round(s * 1000, 1) : null;
}
