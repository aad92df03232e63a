namespace Registration.Bench.Reporting;

/// <summary>
/// How one reported figure is taken from the measurements of each run: the value, the baseline measured
/// in the same run, and the target. The ratio is value / baseline per run; the report gives medians.
/// </summary>
/// <param name="Target">Whether the medians meet the target (value, baseline, ratio); null when there is none.</param>
/// <param name="HigherIsBetter">Which way is ahead when the peers (bench/Peers) measured the same figure; null: no comparison.</param>
internal sealed record FigureSpec(
    string Id,
    string Label,
    string Unit,
    string? BaselineId,
    string BaselineLabel,
    string TargetText,
    Func<double, double, double, bool>? Target,
    int Decimals = 0,
    bool? HigherIsBetter = null)
{
    /// <summary>The key under which a peer's value of this figure is measured in the same run.</summary>
    public string PeerId(string peer) => PeerKey(Id, peer);

    public static string PeerKey(string id, string peer) => $"{id}@{peer}";
}

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
    int Decimals)
{
    /// <summary>Medians of the same figure for each peer measured in the same runs, by peer key (bench/Peers).</summary>
    public IReadOnlyDictionary<string, double> Peers { get; init; } = new Dictionary<string, double>();

    /// <summary>Per-run values of each peer.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> PeerValues { get; init; } = new Dictionary<string, IReadOnlyList<double>>();

    /// <summary>Whether ours is ahead of every peer that measured this figure; null when none did or the figure has no direction.</summary>
    public bool? AheadOfPeers { get; init; }
}

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
        var peerValues = Peers.Peer.All
            .Select(peer => (peer.Key, Values: (IReadOnlyList<double>)runs.Select(run => run[spec.PeerId(peer.Key)]).ToList()))
            .Where(peer => peer.Values.Any(v => !double.IsNaN(v)))
            .ToDictionary(peer => peer.Key, peer => peer.Values, StringComparer.Ordinal);
        var peers = peerValues.ToDictionary(peer => peer.Key, peer => Stats.Median(peer.Value), StringComparer.Ordinal);
        bool? ahead = spec.HigherIsBetter is not { } higher || peers.Count == 0 || double.IsNaN(value)
            ? null
            : peers.Values.All(peer => higher ? value > peer : value < peer);
        return new FigureResult(spec.Id, spec.Label, spec.Unit, value, values, spec.BaselineLabel, baseline, baselines, ratio, spec.TargetText, met, spec.Decimals)
        {
            Peers = peers,
            PeerValues = peerValues,
            AheadOfPeers = ahead,
        };
    }

    /// <summary>Median of each diagnostic key (those not used by a figure nor by the resources section) over the runs.</summary>
    public static Dictionary<string, double> Diagnostics(IEnumerable<FigureSpec> specs, IReadOnlyList<Measurements> runs)
    {
        var used = specs.SelectMany(spec => new[] { spec.Id, spec.BaselineId }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return runs.SelectMany(run => run.Values.Keys)
            .Distinct(StringComparer.Ordinal)
            .Where(key => !used.Contains(key.Split('@')[0]) && !key.StartsWith("res.", StringComparison.Ordinal) && !key.Contains(".res.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToDictionary(key => key, key => Stats.Median(runs.Select(run => run[key])), StringComparer.Ordinal);
    }
}
