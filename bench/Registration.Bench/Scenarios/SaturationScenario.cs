using System.Diagnostics;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 4. Registration throughput at saturation against the hashing ceiling (cores / CPU time of one hash,
/// measured in the same run with AuthApi's own hasher and settings), then 4x that rate offered open loop.
/// </summary>
internal sealed class SaturationScenario : IScenario
{
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(10);

    public string Key => "saturation";

    public string Title => "4. Registration at saturation";

    public string Description =>
        "Ceiling = cores / CPU time of one hash (AuthApi's `PasswordHashing` with the shipped iterations, 20 hashes one at a time in the harness, the harness process's CPU time from /proc, in the same run). " +
        $"Saturation: {4} closed-loop clients per core for {Phase.TotalSeconds:0} s against AuthApi + TodoService as processes (after 2 s of warm-up); throughput = 201 answers/s. " +
        $"Overload: 4x the ceiling offered open loop for {Phase.TotalSeconds:0} s; a request is late if it is answered (or times out) after `PasswordHashing:QueueTimeout` + 0.5 s.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("sat.rate", "Registrations/s at saturation", "req/s", "sat.ceiling", "cores / hash CPU time", ">= 85% of ceiling", (_, _, ratio) => ratio >= 0.85, 1),
        new("over.rate", "201s/s at 4x overload", "req/s", "sat.ceiling", "ceiling", "(none)", null, 1),
        new("over.late", "Requests past their timeout at 4x overload", "requests", null, "", "0", (value, _, _) => value == 0),
        new("over.503.p50", "503 latency p50 at 4x overload", "ms", null, "", "(none)", null, 1),
        new("over.503.p99", "503 latency p99 at 4x overload", "ms", null, "", "fast: <= 100 ms (our threshold)", (value, _, _) => value <= 100, 1),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var cores = Environment.ProcessorCount;
        await sandbox.MigrateAsync(cancellationToken);
        Progress.Say("  measuring one password hash");
        var hash = await HashCost.MeasureAsync(context.Shipped, 20, cancellationToken);
        var ceiling = cores * 1000 / hash.CpuMs;
        m["sat.ceiling"] = ceiling;
        m["Hash: CPU time of one hash (ms)"] = hash.CpuMs;
        m["Hash: wall time, one thread (ms, median)"] = hash.WallMs;
        var parallel = await HashCost.MeasureParallelRateAsync(context.Shipped, 10, cancellationToken);
        m["Hash: rate with every core hashing at once (hashes/s)"] = parallel;
        m["Hash: that rate / the ceiling (%)"] = 100 * parallel / ceiling;
        m["Registrations/s at saturation / that rate (%)"] = double.NaN; // filled below
        var insertCpu = await LatencyScenario.StraightInsertCpuAsync(sandbox, context.ConsumerConcurrency, cancellationToken);

        await using var system = await SystemUnderLoad.StartAsync(context, sandbox, $"saturation-{run}", null, cancellationToken);
        using var client = new RegistrationClient(system.Auth.BaseAddress, TimeSpan.FromSeconds(30));
        await client.ClosedLoopAsync($"warmup{run}", cores * 2, TimeSpan.FromSeconds(2), cancellationToken);

        Progress.Say($"  saturation: {cores * 4} closed-loop clients for {Phase.TotalSeconds:0} s (ceiling {ceiling:0.0}/s)");
        var authCpu = system.Auth.CpuTime;
        var todoCpu = system.Todo.CpuTime;
        var accounting = CpuAccounting.Start(sandbox, system.Pids);
        var clock = Stopwatch.StartNew();
        var saturated = await client.ClosedLoopAsync($"sat{run}", cores * 4, Phase, cancellationToken);
        var elapsed = clock.Elapsed.TotalSeconds;
        var created = saturated.Count(r => r.Status == 201);
        m["sat.rate"] = created / elapsed;
        m["Registrations/s at saturation / that rate (%)"] = 100 * m["sat.rate"] / parallel;
        m["Saturation: answers other than 201"] = saturated.Count - created;
        m["Saturation: 201 latency p50 (ms)"] = Stats.Percentile(saturated.Where(r => r.Status == 201).Select(r => r.Latency.TotalMilliseconds), 50);
        var authUsed = system.Auth.CpuTime - authCpu;
        var todoUsed = system.Todo.CpuTime - todoCpu;
        accounting.Record(m, "at saturation");
        m["CPU at saturation: AuthApi, of which hashing, estimated (% of all cores)"] = 100 * created * hash.CpuMs / 1000 / (elapsed * cores);

        var offered = 4 * ceiling;
        Progress.Say($"  overload: {offered:0} requests/s open loop for {Phase.TotalSeconds:0} s");
        accounting = CpuAccounting.Start(sandbox, system.Pids);
        var overload = await client.OpenLoopAsync($"over{run}", offered, Phase, cancellationToken);
        accounting.Record(m, "at 4x overload");
        var deadline = context.Shipped.HashQueueTimeout + TimeSpan.FromMilliseconds(500);
        var refused = overload.Where(r => r.Status is 503 or 429).ToList();
        m["over.rate"] = overload.Count(r => r.Status == 201) / Phase.TotalSeconds;
        m["over.late"] = overload.Count(r => r.Latency > deadline || r.Status <= 0);
        m["over.503.p50"] = Stats.Percentile(refused.Select(r => r.Latency.TotalMilliseconds), 50);
        m["over.503.p99"] = Stats.Percentile(refused.Select(r => r.Latency.TotalMilliseconds), 99);
        m["Overload: offered (req/s)"] = offered;
        m["Overload: refused with 503/429 (%)"] = 100.0 * refused.Count / overload.Count;
        m["Overload: 503 latency max (ms)"] = refused.Count == 0 ? double.NaN : refused.Max(r => r.Latency.TotalMilliseconds);
        m["Overload: 201 latency p99 (ms)"] = Stats.Percentile(overload.Where(r => r.Status == 201).Select(r => r.Latency.TotalMilliseconds), 99);
        m["Overload: slowest answer (ms)"] = overload.Max(r => r.Latency.TotalMilliseconds);
        m["Overload: other answers (not 201/503/429)"] = overload.Count(r => r.Status is not (201 or 503 or 429));
        // Peak RSS is read last so that it covers the overload too; CPU per registration is the saturation phase's.
        Resources.Record(m, system, authUsed, todoUsed, created, hash.CpuMs, insertCpu);
        return m;
    }
}
