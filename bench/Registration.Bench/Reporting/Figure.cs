namespace Registration.Bench.Reporting;

/// <summary>
/// How one reported figure is taken from the measurements of each run: the value, the baseline measured
/// in the same run, and the target. The ratio is value / baseline per run; the report gives medians.
/// </summary>
/// <param name="Target">Whether the medians meet the target (value, baseline, ratio); null when there is none.</param>
internal sealed record FigureSpec(
    string Id,
    string Label,
    string Unit,
    string? BaselineId,
    string BaselineLabel,
    string TargetText,
    Func<double, double, double, bool>? Target,
    int Decimals = 0);

/// <summary>What one run of a scenario measured: figure values, baselines and diagnostics, by key.</summary>
internal sealed class Measurements
{
    public Dictionary<string, double> Values { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    public double this[string key]
    {
        get => Values.TryGetValue(key, out var value) ? value : double.NaN;
        set => Values[key] = value;
    }
}

/// <summary>A figure after all runs: medians, per-run values, and whether the target is met.</summary>
internal sealed record FigureResult(
    string Id,
    string Label,
    string Unit,
    double Value,
    IReadOnlyList<double> Values,
    string BaselineLabel,
    double Baseline,
    IReadOnlyList<double> Baselines,
    double Ratio,
    string Target,
    bool? Met,
    int Decimals);

internal sealed record ScenarioResult(
    string Key,
    string Title,
    string Description,
    int RunsSucceeded,
    int RunsAttempted,
    IReadOnlyList<FigureResult> Figures,
    IReadOnlyDictionary<string, double> Diagnostics,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Errors,
    TimeSpan Duration);

internal static class Figures
{
    public static FigureResult Summarize(FigureSpec spec, IReadOnlyList<Measurements> runs)
    {
        var values = runs.Select(run => run[spec.Id]).ToList();
        var baselines = spec.BaselineId is null ? [] : runs.Select(run => run[spec.BaselineId]).ToList();
        var ratios = spec.BaselineId is null ? [] : runs.Select(run => run[spec.Id] / run[spec.BaselineId]).ToList();
        var value = Stats.Median(values);
        var baseline = Stats.Median(baselines);
        var ratio = Stats.Median(ratios);
        bool? met = spec.Target is null || double.IsNaN(value) ? null : spec.Target(value, baseline, ratio);
        return new FigureResult(spec.Id, spec.Label, spec.Unit, value, values, spec.BaselineLabel, baseline, baselines, ratio, spec.TargetText, met, spec.Decimals);
    }

    /// <summary>Median of each diagnostic key (those not used by a figure nor by the resources section) over the runs.</summary>
    public static Dictionary<string, double> Diagnostics(IEnumerable<FigureSpec> specs, IReadOnlyList<Measurements> runs)
    {
        var used = specs.SelectMany(spec => new[] { spec.Id, spec.BaselineId }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return runs.SelectMany(run => run.Values.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(key => !used.Contains(key) && !key.StartsWith("res.", StringComparison.Ordinal) && !key.Contains(".res.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToDictionary(key => key, key => Stats.Median(runs.Select(run => run[key])), StringComparer.Ordinal);
    }
}
