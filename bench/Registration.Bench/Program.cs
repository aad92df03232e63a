using Registration.Bench;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Scenarios;

var options = BenchOptions.Parse(args);
IScenario[] standard =
[
    new RelayDrainScenario(), new ConsumerScenario(), new LatencyScenario(), new LatencyScenario(200), new SaturationScenario(), new FailoverScenario(), new FailoverScenario(freeze: true), new RecoveryScenario(),
    new NotificationsLatencyScenario(), new NotificationsConsumerScenario(),
];
IScenario[] diagnostic =
[
    new VariantsScenario("relay-fixes", "D1. Relay drain, shipped and other settings", new RelayDrainScenario(), "relay.rate",
    [
        Variant.Shipped,
        Variant.Auth("batch500", "batch size 500", ("Outbox__BatchSize", "500")),
    ]),
    new VariantsScenario("latency-spin", "D3. Commit-to-todo latency, idle thread-pool threads sleeping or spinning", new LatencyScenario(), "latency.p50",
    [
        Variant.Shipped,
        new("spin", "thread pool spinning for work (the .NET default)",
            new Dictionary<string, string> { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "70" },
            new Dictionary<string, string> { ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "70" }),
    ]),
    new VariantsScenario("consumer-fixes", "D2. Consumer, shipped and other settings", new ConsumerScenario(), "consumer.rate",
    [
        Variant.Shipped,
        Variant.Todo("single", "one message per transaction, 16 at a time, prefetch 64 (the consumer before batches)",
            ("Consumer__BatchSize", "1"), ("Consumer__Concurrency", "16"), ("Consumer__Prefetch", "64")),
        Variant.Todo("batch100", "batches of up to 100, prefetch 400", ("Consumer__BatchSize", "100"), ("Consumer__Prefetch", "400")),
    ]),
    new WorkFactorScenario(),
    new RelayRetentionScenario(),
];
var all = standard.Concat(diagnostic).ToList();
var benchmarksPath = Path.Combine(options.Root, "BENCHMARKS.md");
const string DetailsFile = "artifacts/bench/results.md";
if (options.ReportFrom is { } savedPath)
{
    // No run: the table and the details regenerated from a results file (the figures of the run it holds).
    var saved = await SavedReport.ReadAsync(savedPath, standard);
    // Further results files (e.g. a labelled run of some scenarios): their scenarios replace or join the first file's.
    foreach (var morePath in options.MoreReportFrom)
    {
        saved = SavedReport.Merge(saved, await SavedReport.ReadAsync(morePath, standard));
    }

    await MarkdownReport.WriteAsync(benchmarksPath, saved, DetailsFile);
    await MarkdownReport.WriteDetailsAsync(Path.Combine(options.Root, DetailsFile), saved);
    Progress.Say($"bench: wrote BENCHMARKS.md and {DetailsFile} from {savedPath} (commit {saved.Commit})");
    return 0;
}

var selected = options.Scenarios.Count == 0
    ? standard.ToList()
    : options.Scenarios.Select(name => all.FirstOrDefault(s => s.Key == name)
        ?? throw new ArgumentException($"unknown scenario '{name}'; known: {string.Join(", ", all.Select(s => s.Key))}")).ToList();

if (selected.Any(diagnostic.Contains))
{
    options.MarkDiagnostic(string.Join("+", selected.Select(s => s.Key)));
    options.NoPeersUnlessAsked();
}

using var stopping = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

var settings = new BenchSettings { RepositoryRoot = options.Root };
using var admin = new RabbitAdmin(settings);
var machine = MachineInfo.Read();
Progress.Say($"bench: {string.Join(", ", selected.Select(s => s.Key))}; {options.Runs} runs each; {machine.Cores} cores; load average {machine.LoadAverageAtStart}");
var removed = await Sandbox.RemoveLeftoversAsync(settings, admin, stopping.Token);
if (removed > 0)
{
    Progress.Say($"bench: removed {removed} databases/virtual hosts left by an interrupted run");
}

var (otherVirtualHosts, otherDatabases) = await Sandbox.CountNeighboursAsync(settings, admin, stopping.Token);
machine = machine with { Neighbours = $"{otherVirtualHosts} other virtual hosts on the broker, {otherDatabases} other databases on the server" };
if (otherVirtualHosts > 0 || otherDatabases > 10)
{
    Progress.Say($"bench: warning: {machine.Neighbours} (left by interrupted test runs?); their idle queues and databases " +
                 "cost CPU that counts in these figures");
}

var context = new BenchContext(settings, admin, options);
var runs = new List<ScenarioRun>();
foreach (var scenario in selected)
{
    runs.Add(await Runner.RunAsync(scenario, context, stopping.Token));
}

var results = runs.Select(run => run.Result).ToList();
if (Resources.Summarize(runs) is { } resources)
{
    results.Add(resources);
}

var report = new BenchReport(DateTimeOffset.UtcNow, options.Commit, machine, options.Runs, options.Full, Progress.Elapsed, results);
var resultsPath = Path.Combine(options.Root, "artifacts", "bench", options.Label is null ? "results.json" : $"results-{options.Label}.json");
await ResultsFile.WriteAsync(resultsPath, report);
Console.WriteLine(ConsoleSummary.Render(report, options));
if (options.Label is null)
{
    await MarkdownReport.WriteAsync(benchmarksPath, report, DetailsFile);
    await MarkdownReport.WriteDetailsAsync(Path.Combine(options.Root, DetailsFile), report);
}

Progress.Say($"bench: done in {Progress.Elapsed:m\\:ss}; wrote {resultsPath}{(options.Label is null ? $", {DetailsFile} and BENCHMARKS.md" : " (diagnostic run: BENCHMARKS.md left alone)")}");
return results.Any(r => r.RunsSucceeded == 0) ? 1 : 0;
