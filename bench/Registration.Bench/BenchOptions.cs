using System.Globalization;

namespace Registration.Bench;

/// <summary>Service settings of one variant in a comparison (<see cref="Scenarios.VariantsScenario"/>).</summary>
internal sealed record Variant(
    string Key,
    string Name,
    IReadOnlyDictionary<string, string> AuthEnvironment,
    IReadOnlyDictionary<string, string> TodoEnvironment,
    string? AuthDatabaseOptions = null)
{
    public static Variant Shipped { get; } = new("shipped", "as shipped", new Dictionary<string, string>(), new Dictionary<string, string>());

    public static Variant Auth(string key, string name, params (string Key, string Value)[] settings) =>
        new(key, name, settings.ToDictionary(s => s.Key, s => s.Value), new Dictionary<string, string>());

    public static Variant Todo(string key, string name, params (string Key, string Value)[] settings) =>
        new(key, name, new Dictionary<string, string>(), settings.ToDictionary(s => s.Key, s => s.Value));
}

/// <summary>The command line: scenario names (default: all of the standard ones) and flags.</summary>
internal sealed class BenchOptions
{
    public List<string> Scenarios { get; } = [];

    /// <summary>Runs per scenario; every figure is the median over them.</summary>
    public int Runs { get; private set; } = 3;

    /// <summary>The long variant: 60 s of steady load in the latency scenario instead of 20 s.</summary>
    public bool Full { get; private set; }

    /// <summary>Registrations per second in the latency scenario (--latency-rate N; a diagnostic run unless 20).</summary>
    public double LatencyRate { get; private set; } = 20;

    /// <summary>Longest wait for an idle machine before each run (--quiet-wait SECONDS; default 5).</summary>
    public TimeSpan QuietWait { get; private set; } = TimeSpan.FromSeconds(5);

    public string Root { get; private set; } = Directory.GetCurrentDirectory();

    /// <summary>
    /// Peers to measure beside ours (--peers wolverine,cap or --peers none; default: every peer under bench/Peers).
    /// Null means the default.
    /// </summary>
    public IReadOnlyList<string>? PeerKeys { get; private set; }

    public string Commit { get; private set; } = "unknown";

    /// <summary>Extra environment of every AuthApi process (--auth-env KEY=VALUE), to measure a setting's effect.</summary>
    public Dictionary<string, string> AuthEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>Extra environment of every TodoConsumer process (--todo-env KEY=VALUE).</summary>
    public Dictionary<string, string> TodoEnvironment { get; } = new(StringComparer.Ordinal);

    /// <summary>PostgreSQL session options for AuthApi's connection string (--auth-db-options "-c name=value").</summary>
    public string? AuthDatabaseOptions { get; private set; }

    /// <summary>
    /// Set for a diagnostic run (--label NAME, implied by --auth-env/--todo-env): results go to
    /// artifacts/bench/results-NAME.json and BENCHMARKS.md is left alone.
    /// </summary>
    public string? Label { get; private set; }

    /// <summary>A results file to regenerate BENCHMARKS.md from, without running anything (--report-from PATH).</summary>
    public string? ReportFrom { get; private set; }

    /// <summary>More results files merged into <see cref="ReportFrom"/>'s (--report-from PATH PATH...): their scenarios replace or join its.</summary>
    public List<string> MoreReportFrom { get; } = [];

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--full":
                    options.Full = true;
                    break;
                case "--runs":
                    options.Runs = Math.Max(1, int.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--root":
                    options.Root = Path.GetFullPath(args[++i]);
                    break;
                case "--commit":
                    options.Commit = args[++i];
                    break;
                case "--latency-rate":
                    options.LatencyRate = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    options.Label ??= "diagnostic";
                    break;
                case "--quiet-wait":
                    options.QuietWait = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture));
                    break;
                case "--peers":
                    options.PeerKeys = args[++i] == "none" ? [] : args[i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--report-from":
                    options.ReportFrom = Path.GetFullPath(args[++i]);
                    while (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        options.MoreReportFrom.Add(Path.GetFullPath(args[++i]));
                    }

                    break;
                case "--label":
                    options.Label = args[++i];
                    break;
                case "--auth-env":
                    AddSetting(options.AuthEnvironment, args[++i]);
                    options.Label ??= "diagnostic";
                    break;
                case "--auth-db-options":
                    options.AuthDatabaseOptions = args[++i];
                    options.Label ??= "diagnostic";
                    break;
                case "--todo-env":
                    AddSetting(options.TodoEnvironment, args[++i]);
                    options.Label ??= "diagnostic";
                    break;
                case var flag when flag.StartsWith("--", StringComparison.Ordinal):
                    throw new ArgumentException($"unknown option {flag}; known: --full, --runs N, --root PATH, --commit SHA, --label NAME, --auth-env K=V, --todo-env K=V, --auth-db-options OPTS, --latency-rate N, --quiet-wait SECONDS, --peers KEYS|none, --report-from PATH");
                default:
                    options.Scenarios.Add(args[i]);
                    break;
            }
        }

        return options;
    }

    /// <summary>Makes this a diagnostic run (its own results file, BENCHMARKS.md left alone) unless it already is one.</summary>
    public void MarkDiagnostic(string label) => Label ??= label;

    /// <summary>Diagnostics compare our own settings: no peers unless --peers asked for them.</summary>
    public void NoPeersUnlessAsked() => PeerKeys ??= [];

    /// <summary>A copy with more service settings, for one variant of a comparison.</summary>
    public BenchOptions With(Variant variant)
    {
        var copy = new BenchOptions
        {
            Runs = Runs,
            Full = Full,
            Root = Root,
            Commit = Commit,
            Label = Label,
            LatencyRate = LatencyRate,
            QuietWait = QuietWait,
            AuthDatabaseOptions = variant.AuthDatabaseOptions ?? AuthDatabaseOptions,
            // A comparison of our own settings: the peers are not part of it.
            PeerKeys = [],
        };
        foreach (var (source, target, extra) in new[] { (AuthEnvironment, copy.AuthEnvironment, variant.AuthEnvironment), (TodoEnvironment, copy.TodoEnvironment, variant.TodoEnvironment) })
        {
            foreach (var (key, value) in source.Concat(extra))
            {
                target[key] = value;
            }
        }

        return copy;
    }

    private static void AddSetting(Dictionary<string, string> settings, string pair)
    {
        var separator = pair.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0)
        {
            throw new ArgumentException($"expected KEY=VALUE, got '{pair}'");
        }

        settings[pair[..separator]] = pair[(separator + 1)..];
    }
}
