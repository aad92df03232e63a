namespace Registration.Bench.Reporting;

internal static class Stats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = Sorted(values);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Nearest-rank percentile: the smallest sample with at least p% of the samples at or below it; NaN when empty.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = Sorted(values);
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static double[] Sorted(IEnumerable<double> values) => values.Where(v => !double.IsNaN(v)).Order().ToArray();
}
