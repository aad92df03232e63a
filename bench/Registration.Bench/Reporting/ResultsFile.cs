using System.Text.Json;
using System.Text.Json.Serialization;

namespace Registration.Bench.Reporting;

/// <summary>artifacts/bench/results.json: everything the Markdown table shows, plus every run's values.</summary>
internal static class ResultsFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task WriteAsync(string path, BenchReport report)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, Json) + "\n");
    }

    public static async Task<BenchReport> ReadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync<BenchReport>(file, Json)
            ?? throw new InvalidDataException($"{path} holds no results");
    }
}

internal sealed record BenchReport(
    DateTimeOffset Date,
    string Commit,
    MachineInfo Machine,
    int RunsPerScenario,
    bool Full,
    TimeSpan Duration,
    IReadOnlyList<ScenarioResult> Scenarios);
