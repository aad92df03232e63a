using System.Globalization;
using System.Text;

namespace Registration.Bench.Reporting;

/// <summary>The figures and diagnostics as plain text on stdout, at the end of a run.</summary>
internal static class ConsoleSummary
{
    public static string Render(BenchReport report, BenchOptions options)
    {
        var text = new StringBuilder();
        text.AppendLine();
        if (options.Label is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"Diagnostic run '{options.Label}'. Overrides: AuthApi {Describe(options.AuthEnvironment)}; TodoConsumer {Describe(options.TodoEnvironment)}; AuthApi database options: {options.AuthDatabaseOptions ?? "(none)"}");
        }

        foreach (var scenario in report.Scenarios)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{scenario.Title} ({scenario.RunsSucceeded}/{scenario.RunsAttempted} runs, {scenario.Duration:m\\:ss})");
            foreach (var figure in scenario.Figures)
            {
                var runs = string.Join(" / ", figure.Values.Select(v => Format.Number(v, figure.Decimals)));
                var baseline = double.IsNaN(figure.Baseline) ? "" : $"  baseline {Format.Number(figure.Baseline, figure.Decimals)}  ratio {Format.Ratio(figure.Ratio)}";
                var peers = string.Concat(figure.Peers.Select(p => $"  {p.Key} {Format.Number(p.Value, figure.Decimals)}"));
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"  {figure.Label}: {Format.Number(figure.Value, figure.Decimals)} {figure.Unit} [{runs}]{baseline}{peers}  target {figure.Target}: {Format.Met(figure.Met).Trim('*')}");
            }

            foreach (var (name, value) in scenario.Diagnostics)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    {name}: {Format.Number(value, Math.Abs(value) < 100 ? 1 : 0)}");
            }

            foreach (var error in scenario.Errors)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  FAILED {error}");
            }
        }

        return text.ToString();
    }

    private static string Describe(Dictionary<string, string> settings) =>
        settings.Count == 0 ? "(none)" : string.Join(", ", settings.Select(pair => $"{pair.Key}={pair.Value}"));
}
