using Registration.Bench.Reporting;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 6. Resources: peak RSS and CPU per 1,000 events of each service (AuthApi, the silo, TodoConsumer), recorded while scenarios 3 and 4 load
/// them (the services run as separate processes there), and reported as their own section.
/// </summary>
internal static class Resources
{
    public const string Key = "resources";

    public const string Description = "Read from /proc of the service processes while scenarios 3 and 4 run: peak RSS is VmHWM " +
        "(the peak since the process started, which includes start-up); CPU is utime+stime over the loaded window divided by the events " +
        "(registrations answered 201, or todos created), so AuthApi's figure includes hashing and HTTP, the silo's the relay and the users' grains with their writes. " +
        "Peers (bench/Peers): their producer and consumer processes during the same scenario; their per-process figures are in the scenario's diagnostics.";

    public static void Record(Measurements m, SystemUnderLoad system, TimeSpan authCpuUsed, TimeSpan siloCpuUsed, TimeSpan todoCpuUsed, int events, double? hashCpuMs, double insertCpuPerThousand)
    {
        m["res.auth.rss"] = system.Auth.PeakRssMiB;
        m["res.auth.rss.idle"] = system.Auth.ReadyRssMiB;
        m["res.silo.rss"] = system.Silo.PeakRssMiB;
        m["res.silo.rss.idle"] = system.Silo.ReadyRssMiB;
        m["res.todo.rss"] = system.Todo.PeakRssMiB;
        m["res.todo.rss.idle"] = system.Todo.ReadyRssMiB;
        m["res.auth.cpu"] = authCpuUsed.TotalMilliseconds * 1000 / events;
        m["res.silo.cpu"] = siloCpuUsed.TotalMilliseconds * 1000 / events;
        m["res.todo.cpu"] = todoCpuUsed.TotalMilliseconds * 1000 / events;
        m["res.todo.cpu.insert"] = insertCpuPerThousand;
        // Every process of the system together, to compare with a peer's producer + consumer.
        m["res.total.rss"] = system.Auth.PeakRssMiB + system.Silo.PeakRssMiB + system.Todo.PeakRssMiB;
        m["res.total.cpu"] = (authCpuUsed + siloCpuUsed + todoCpuUsed).TotalMilliseconds * 1000 / events;
        if (hashCpuMs is { } hash)
        {
            // Only a scenario that registers through AuthApi's HTTP endpoint hashes; the others leave the hash out.
            m["res.auth.cpu.hash"] = hash * 1000;
            m["res.total.cpu.nohash"] = m["res.total.cpu"] - m["res.auth.cpu.hash"];
        }
    }

    public static IReadOnlyList<FigureSpec> Specs(string during, bool hashed) =>
    [
        new("res.auth.rss", $"AuthApi peak RSS during {during}", "MiB", "res.auth.rss.idle", "idle after start", "<= 200 MB (190.7 MiB)", (value, _, _) => value <= 200 * 1e6 / (1 << 20), 0),
        new("res.silo.rss", $"Silo peak RSS during {during}", "MiB", "res.silo.rss.idle", "idle after start", "<= 250 MB (238.4 MiB)", (value, _, _) => value <= 250 * 1e6 / (1 << 20), 0),
        new("res.todo.rss", $"TodoConsumer peak RSS during {during}", "MiB", "res.todo.rss.idle", "idle after start", "<= 200 MB (190.7 MiB)", (value, _, _) => value <= 200 * 1e6 / (1 << 20), 0),
        hashed
            ? new("res.auth.cpu", $"AuthApi CPU per 1,000 registrations ({during})", "ms", "res.auth.cpu.hash", "1,000 password hashes", "(none)", null, 0)
            : new("res.auth.cpu", $"AuthApi CPU per 1,000 registrations ({during}; the harness registers, AuthApi idles)", "ms", null, "", "(none)", null, 0),
        new("res.silo.cpu", $"Silo CPU per 1,000 registrations ({during}: relay and users' grains)", "ms", "res.todo.cpu.insert", "1,000 straight inserts, harness", "(none)", null, 0),
        new("res.todo.cpu", $"TodoConsumer CPU per 1,000 events ({during})", "ms", "res.todo.cpu.insert", "1,000 straight inserts, harness", "(none)", null, 0),
        new("res.total.rss", $"All processes' peak RSS, summed ({during}; peers: producer + consumer)", "MiB", null, "", "(none)", null, 0, HigherIsBetter: false),
        hashed
            ? new("res.total.cpu", $"All processes' CPU per 1,000 registrations ({during}; ours includes password hashing, peers hash nothing)", "ms", "res.total.cpu.nohash", "ours less 1,000 password hashes", "(none)", null, 0, HigherIsBetter: false)
            : new("res.total.cpu", $"All processes' CPU per 1,000 registrations ({during}; nobody hashes)", "ms", null, "", "(none)", null, 0, HigherIsBetter: false),
    ];

    /// <summary>The resources section, from the runs of the scenarios that recorded them.</summary>
    public static ScenarioResult? Summarize(IReadOnlyList<ScenarioRun> runs)
    {
        var sources = runs.Where(run => run.Runs.Any(m => m.Values.ContainsKey("res.auth.rss"))).ToList();
        if (sources.Count == 0)
        {
            return null;
        }

        var figures = sources.SelectMany(source => Specs(source.Result.Title, source.Runs.Any(m => m.Values.ContainsKey("res.auth.cpu.hash"))).Select(spec => Figures.Summarize(spec, source.Runs.ToList()))).ToList();
        return new ScenarioResult(Key, "6. Resources", Description,
            sources.Min(s => s.Result.RunsSucceeded), sources.Max(s => s.Result.RunsAttempted), figures, new Dictionary<string, double>(), [], [], TimeSpan.Zero);
    }
}
