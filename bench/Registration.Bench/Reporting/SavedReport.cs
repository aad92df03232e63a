using Registration.Bench.Scenarios;

namespace Registration.Bench.Reporting;

/// <summary>
/// A results file read back (<c>scripts/bench.sh --report FILE</c>), with the labels, targets and descriptions of the
/// scenarios as the bench defines them now, matched by scenario, figure id and label, so that a table regenerated from an earlier
/// run reads as a new run's would. The measured values are never touched.
/// </summary>
internal static class SavedReport
{
    public static async Task<BenchReport> ReadAsync(string path, IReadOnlyList<IScenario> scenarios)
    {
        var saved = await ResultsFile.ReadAsync(path);
        var specs = scenarios.SelectMany(scenario => scenario.Figures.Select(spec => (scenario.Key, Spec: spec)))
            .Concat(saved.Scenarios.SelectMany(scenario => Resources.Specs(scenario.Title, hashed: false).Concat(Resources.Specs(scenario.Title, hashed: true)))
                .Select(spec => (Key: Resources.Key, Spec: spec)))
            .DistinctBy(entry => (entry.Key, entry.Spec.Id, entry.Spec.Label))
            .ToDictionary(entry => (entry.Key, entry.Spec.Id, entry.Spec.Label), entry => entry.Spec);
        var descriptions = scenarios.ToDictionary(scenario => scenario.Key, scenario => scenario.Description, StringComparer.Ordinal);
        descriptions[Resources.Key] = Resources.Description;
        return saved with
        {
            Scenarios = saved.Scenarios.Select(scenario => scenario with
            {
                Description = descriptions.GetValueOrDefault(scenario.Key, scenario.Description),
                Figures = scenario.Figures
                    .Select(figure => specs.TryGetValue((scenario.Key, figure.Id, figure.Label), out var spec)
                        ? figure with { Target = spec.TargetText, BaselineLabel = spec.BaselineLabel }
                        : figure)
                    .ToList(),
            }).ToList(),
        };
    }

    /// <summary>
    /// <paramref name="first"/> with the scenarios of <paramref name="more"/> in place of those of the same key, the others
    /// added before the resources summary; the header names both runs (commit and date), since the figures come from two.
    /// </summary>
    public static BenchReport Merge(BenchReport first, BenchReport more)
    {
        var replaced = more.Scenarios.ToDictionary(s => s.Key, StringComparer.Ordinal);
        var scenarios = first.Scenarios.Select(s => replaced.GetValueOrDefault(s.Key, s)).ToList();
        var added = more.Scenarios.Where(s => first.Scenarios.All(f => f.Key != s.Key)).ToList();
        var resources = scenarios.FindIndex(s => s.Key == Resources.Key);
        scenarios.InsertRange(resources < 0 ? scenarios.Count : resources, added);
        var keys = string.Join(", ", more.Scenarios.Select(s => s.Key));
        return first with
        {
            Commit = $"{first.Commit}`; {keys} on {more.Date:yyyy-MM-dd HH:mm} UTC (load average at start {more.Machine.LoadAverageAtStart}) from commit `{more.Commit}",
            Scenarios = scenarios,
        };
    }
}
