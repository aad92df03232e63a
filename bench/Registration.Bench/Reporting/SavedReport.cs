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
}
