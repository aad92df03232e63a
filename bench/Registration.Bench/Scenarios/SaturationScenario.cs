using AuthApi.Security;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 4. Registration throughput at saturation against the hashing ceiling (cores / CPU time of one hash: BCrypt at the
/// shipped work factor, measured in the same run with AuthApi's own hasher and settings), then 4x that rate offered open loop.
/// </summary>
internal sealed class SaturationScenario : IScenario
{
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(10);

    /// <summary>Load before and after the saturation window that is not counted.</summary>
    private static readonly TimeSpan Ramp = TimeSpan.FromSeconds(1);

    public string Key => "saturation";

    public string Title => "4. Registration at saturation";

    public string Description =>
        "Ceiling = cores / CPU time of one hash (BCrypt at the shipped `PasswordHashing:WorkFactor`), measured on AuthApi's own hashing threads (`password-hash`, their CPU time from /proc) during the counted window " +
        "(CPU time of those threads / registrations answered 201 in the window), so the ratio is the share of all cores that went to hashing. " +
        "For reference, also with the hash measured in the harness on an idle machine (AuthApi's hasher, 10 hashes on one thread right before the phase and 10 right after). " +
        $"Saturation: {4} closed-loop clients per core against AuthApi + TodoConsumer as processes (after a warm-up with the same clients, at least 2 s, until the services' JIT compiler has settled); throughput = 201 answers/s in a {Phase.TotalSeconds:0} s window that starts {Ramp.TotalSeconds:0} s after the clients and ends {Ramp.TotalSeconds:0} s before they stop. " +
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
        var insertCpu = await LatencyScenario.StraightInsertCpuAsync(sandbox, context.ConsumerConcurrency, cancellationToken);

        await using var system = await SystemUnderLoad.StartAsync(context, sandbox, $"saturation-{run}", null, cancellationToken);
        using var client = new RegistrationClient(system.Auth.BaseAddress, TimeSpan.FromSeconds(30));
        Progress.Say("  warm-up: at least 2 s, until the services' JIT has settled");
        var chunk = 0;
        var warmUp = await JitWarmUp.RunAsync(
            length => client.ClosedLoopAsync($"warmup{run}-{chunk++}", cores * 4, length, cancellationToken),
            system.Pids.Values, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(40), cancellationToken);
        m["Warm-up until the JIT settled (s)"] = warmUp.TotalSeconds;

        // The ceiling's hash is measured on AuthApi's own hashing threads during the window: what one hash costs on
        // this machine at that moment (its speed drifts by tens of percent from one minute to the next). For reference,
        // it is also measured in the harness on an idle machine, right before and right after.
        Progress.Say("  measuring one password hash in the harness");
        var harnessBefore = await HashCost.MeasureAsync(context.Shipped, 10, cancellationToken);
        var parallel = await HashCost.MeasureParallelRateAsync(context.Shipped, 5, cancellationToken);
        Progress.Say($"  saturation: {cores * 4} closed-loop clients for {(Phase + 2 * Ramp).TotalSeconds:0} s, counted over {Phase.TotalSeconds:0} s");
        // Counted in a window that starts once every client is waiting and ends before any stops: the clients'
        // ramp-up and the tail of their last requests (the system half idle) are not part of the saturated rate.
        var saturating = client.ClosedLoopAsync($"sat{run}", cores * 4, Phase + 2 * Ramp, cancellationToken);
        await Task.Delay(Ramp, cancellationToken);
        var (windowStart, authCpu, siloCpu, todoCpu) = (DateTimeOffset.UtcNow, system.Auth.CpuTime, system.Silo.CpuTime, system.Todo.CpuTime);
        var hashThreadsCpu = ProcStats.ThreadsCpuTime(system.Auth.Pid, PasswordHashing.ThreadName);
        var accounting = CpuAccounting.Start(sandbox, system.Pids);
        var jit = system.JitMeter();
        await Task.Delay(Phase, cancellationToken);
        var windowEnd = DateTimeOffset.UtcNow;
        var hashing = ProcStats.ThreadsCpuTime(system.Auth.Pid, PasswordHashing.ThreadName) - hashThreadsCpu;
        var authUsed = system.Auth.CpuTime - authCpu;
        var siloUsed = system.Silo.CpuTime - siloCpu;
        var todoUsed = system.Todo.CpuTime - todoCpu;
        accounting.Record(m, "at saturation");
        jit.Record(m, "at saturation");
        var elapsed = (windowEnd - windowStart).TotalSeconds;
        var saturated = (await saturating).Where(r => r.AnsweredAt >= windowStart && r.AnsweredAt < windowEnd).ToList();
        var created = saturated.Count(r => r.Status == 201);
        if (created == 0)
        {
            throw new InvalidOperationException("no registration succeeded in the saturation window");
        }

        // One hash per registration; hashes that straddle the window's edges cancel out in a steady state.
        var hashCpuMs = hashing.TotalMilliseconds / created;
        var ceiling = cores * 1000 / hashCpuMs;
        m["sat.rate"] = created / elapsed;
        m["sat.ceiling"] = ceiling;
        m["Hash: CPU time of one hash on AuthApi's hashing threads in the window (ms)"] = hashCpuMs;
        m["Hash: BCrypt work factor (shipped)"] = context.Shipped.HashWorkFactor;
        m["CPU at saturation: AuthApi's hashing threads (% of all cores)"] = 100 * hashing.TotalSeconds / (elapsed * cores);
        var harnessAfter = await HashCost.MeasureAsync(context.Shipped, 10, cancellationToken);
        var harnessCeiling = cores * 1000 / ((harnessBefore.CpuMs + harnessAfter.CpuMs) / 2);
        m["Hash: CPU time of one hash in the harness, idle machine, before the phase (ms)"] = harnessBefore.CpuMs;
        m["Hash: CPU time of one hash in the harness, idle machine, after the phase (ms)"] = harnessAfter.CpuMs;
        m["Hash: wall time in the harness, one thread (ms, median)"] = harnessBefore.WallMs;
        m["Ceiling from the harness's hash (req/s)"] = harnessCeiling;
        m["Registrations/s at saturation / ceiling from the harness's hash (%)"] = 100 * m["sat.rate"] / harnessCeiling;
        m["Hash: rate with every core hashing at once in the harness (hashes/s)"] = parallel;
        m["Hash: that rate / ceiling from the harness's hash (%)"] = 100 * parallel / harnessCeiling;
        m["Registrations/s at saturation / that rate (%)"] = 100 * m["sat.rate"] / parallel;
        m["Saturation: answers other than 201"] = saturated.Count - created;
        m["Saturation: 201 latency p50 (ms)"] = Stats.Percentile(saturated.Where(r => r.Status == 201).Select(r => r.Latency.TotalMilliseconds), 50);

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
        Resources.Record(m, system, authUsed, siloUsed, todoUsed, created, hashCpuMs, insertCpu);
        return m;
    }
}
