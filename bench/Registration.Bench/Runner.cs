using System.Diagnostics;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Scenarios;

namespace Registration.Bench;

/// <summary>Runs each scenario the requested number of times, each run in a fresh sandbox, and summarizes the medians.</summary>
internal static class Runner
{
    public static async Task<ScenarioRun> RunAsync(IScenario scenario, BenchContext context, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var runs = new List<Measurements>();
        var errors = new List<string>();
        for (var run = 1; run <= context.Options.Runs; run++)
        {
            Progress.Say($"{scenario.Title}: run {run}/{context.Options.Runs}");
            try
            {
                var busyBefore = await QuietGate.WaitAsync(context.Options.QuietWait, cancellationToken);
                await using var sandbox = await Sandbox.CreateAsync(context.Settings, context.Admin, cancellationToken);
                var measurements = await scenario.RunOnceAsync(context, sandbox, run, cancellationToken);
                measurements["Machine busy in the second before the run (% of all cores)"] = busyBefore;
                runs.Add(measurements);
                Progress.Say($"{scenario.Title}: run {run} done: " + string.Join(", ", scenario.Figures
                    .Where(f => !double.IsNaN(measurements[f.Id]))
                    .Select(f => $"{f.Label} {Format.Number(measurements[f.Id], f.Decimals)} {f.Unit}" +
                                 (f.BaselineId is null ? "" : $" (baseline {Format.Number(measurements[f.BaselineId], f.Decimals)})") +
                                 string.Concat(context.Peers.Where(p => !double.IsNaN(measurements[f.PeerId(p.Key)]))
                                     .Select(p => $" ({p.Name} {Format.Number(measurements[f.PeerId(p.Key)], f.Decimals)})")))));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                errors.Add($"run {run}: {ex.GetType().Name}: {ex.Message}");
                Progress.Say($"{scenario.Title}: run {run} FAILED: {ex.Message}");
            }
        }

        var result = new ScenarioResult(
            scenario.Key,
            scenario.Title,
            scenario.Description,
            runs.Count,
            context.Options.Runs,
            scenario.Figures.Select(spec => Figures.Summarize(spec, runs)).ToList(),
            Figures.Diagnostics(scenario.Figures, runs),
            runs.SelectMany(run => run.Notes).Distinct().ToList(),
            errors,
            clock.Elapsed);
        return new ScenarioRun(result, runs);
    }
}

/// <summary>A scenario's summary and the raw measurements of each run (other reports derive figures from them).</summary>
internal sealed record ScenarioRun(ScenarioResult Result, IReadOnlyList<Measurements> Runs);
