using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 3. Commit-to-todo latency at a steady 20 (or 200) registrations/s (open loop) against AuthApi and TodoConsumer
/// as separate processes, from PostgreSQL's commit timestamps. Baseline: <see cref="RawPipeline"/> at the same rate.
/// The peers (bench/Peers) at the same rate, after ours, in the same run.
/// </summary>
/// <param name="rate">Registrations per second; null: the command line's --latency-rate (default 20).</param>
internal sealed class LatencyScenario(double? rate = null) : IScenario
{
    public string Key => rate is { } fixedRate ? $"latency-{fixedRate:0}" : "latency";

    public string Title => rate is { } fixedRate ? $"3b. Commit-to-todo latency at {fixedRate:0}/s" : "3. Commit-to-todo latency";

    private double Rate(BenchContext context) => rate ?? context.Options.LatencyRate;

    private static TimeSpan Duration(BenchContext context) => TimeSpan.FromSeconds(context.Options.Full ? 60 : 20);

    public string Description =>
        $"{rate ?? 20:0} registrations/s, open loop, for 20 s (60 s with `--full`) after a warm-up at the same rate (at least 2 s, until the services' JIT compiler has settled), through a silo and TodoConsumer as separate processes. " +
        "The password hash is left out, for ours as for the peers, so the pipeline is what is compared: the harness commits the user row and its outbox event in one transaction " +
        "with the real outbox writer and then wakes the partition's relay grain with AuthApi's own `RelayWake` (`Workload/DirectRegistrations.cs`), as AuthApi's register feature does after hashing; " +
        "with BCrypt (about 70 ms of CPU a hash) 20 registrations/s alone take three quarters of this machine's two cores. " +
        "Latency = commit time of the welcome todo − commit time of the registering transaction, both from PostgreSQL's own commit timestamps " +
        "(`pg_xact_commit_timestamp` of the todo row and of the user row, which the registering transaction inserted with the outbox row; " +
        "`scripts/infra.sh` turns `track_commit_timestamp` on). " +
        "Baseline: commit a row, publish it with a confirm, consume it, insert and commit a row (harness only, no HTTP/hash/NOTIFY/relay), at the same rate for 10 s, timed the same way. " +
        "Peers: their producer's `POST /register` (no hash) at the same rate for the same time after the same warm-up, latency = commit of the todo row − commit of the users row.";

    /// <summary>The latency targets are for 20 registrations/s; at other rates the figures are compared without one.</summary>
    public IReadOnlyList<FigureSpec> Figures => rate is null or 20 ? AtTwentyPerSecond : AtOtherRates;

    private static readonly FigureSpec[] AtTwentyPerSecond =
    [
        new("latency.p50", "p50, registering commit → todo commit", "ms", "latency.baseline.p50", "raw commit→publish→consume→commit", "<= 5 ms", (value, _, _) => value <= 5, 1, HigherIsBetter: false),
        new("latency.p95", "p95, registering commit → todo commit", "ms", "latency.baseline.p95", "raw pipeline", "(none)", null, 1, HigherIsBetter: false),
        new("latency.p99", "p99, registering commit → todo commit", "ms", "latency.baseline.p99", "raw pipeline", "<= 25 ms", (value, _, _) => value <= 25, 1, HigherIsBetter: false),
    ];

    private static readonly FigureSpec[] AtOtherRates =
    [
        new("latency.p50", "p50, registering commit → todo commit", "ms", "latency.baseline.p50", "raw commit→publish→consume→commit", "(none)", null, 1, HigherIsBetter: false),
        new("latency.p95", "p95, registering commit → todo commit", "ms", "latency.baseline.p95", "raw pipeline", "(none)", null, 1, HigherIsBetter: false),
        new("latency.p99", "p99, registering commit → todo commit", "ms", "latency.baseline.p99", "raw pipeline", "(none)", null, 1, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await MeasureOursAsync(context, sandbox, run, m, cancellationToken);
        // The peers after ours, in the same run and sandbox, once our processes have stopped.
        foreach (var peer in context.Peers)
        {
            await Peers.PeerStep.RunAsync(peer, m, () => Peers.PeerLatency.MeasureAsync(context, sandbox, peer, Rate(context), Duration(context), run, m, cancellationToken));
        }

        return m;
    }

    private async Task MeasureOursAsync(BenchContext context, Sandbox sandbox, int run, Measurements m, CancellationToken cancellationToken)
    {
        var perSecond = Rate(context);
        var duration = Duration(context);
        await sandbox.MigrateAsync(cancellationToken);
        await using (var connection = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        if (await connection.ExecuteScalarAsync<string>("SHOW track_commit_timestamp") != "on")
        {
            throw new InvalidOperationException("PostgreSQL keeps no commit timestamps: restart it with scripts/infra.sh start (it turns track_commit_timestamp on)");
        }

        Progress.Say($"  baseline: raw pipeline at {perSecond:0}/s for 10 s");
        var raw = await RawPipeline.MeasureLatencyAsync(sandbox, perSecond, TimeSpan.FromSeconds(10), cancellationToken);
        m["latency.baseline.p50"] = Stats.Percentile(raw, 50);
        m["latency.baseline.p95"] = Stats.Percentile(raw, 95);
        m["latency.baseline.p99"] = Stats.Percentile(raw, 99);

        var insertCpu = await StraightInsertCpuAsync(sandbox, context.ConsumerConcurrency, cancellationToken);

        await using var system = await SystemUnderLoad.StartAsync(context, sandbox, $"latency-{run}", null, cancellationToken);
        await using var writer = await DirectRegistrations.ConnectAsync(sandbox.AuthDb, context.ClusterEnvironment(sandbox), cancellationToken);
        Progress.Say("  warm-up: at least 2 s, until the services' JIT has settled");
        var chunk = 0;
        var warmUp = await JitWarmUp.RunAsync(
            length => writer.OpenLoopAsync($"warmup{run}-{chunk++}", perSecond, length, cancellationToken),
            system.Pids.Values, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(40), cancellationToken);
        m["Warm-up until the JIT settled (s)"] = warmUp.TotalSeconds;
        // One idle second after the warm-up: the services' fixed CPU cost, which dominates CPU per event at this low rate.
        var (authIdle, todoIdle) = (system.Auth.CpuTime, system.Todo.CpuTime);
        await Task.Delay(1000, cancellationToken);
        m["AuthApi idle CPU after warm-up (% of one core)"] = (system.Auth.CpuTime - authIdle).TotalMilliseconds / 10;
        m["TodoConsumer idle CPU after warm-up (% of one core)"] = (system.Todo.CpuTime - todoIdle).TotalMilliseconds / 10;

        Progress.Say($"  {perSecond:0} registrations/s for {duration.TotalSeconds:0} s");
        var authCpu = system.Auth.CpuTime;
        var siloCpu = system.Silo.CpuTime;
        var todoCpu = system.Todo.CpuTime;
        var accounting = CpuAccounting.Start(sandbox, system.Pids);
        var jit = system.JitMeter();
        var registrations = await writer.OpenLoopAsync($"latency{run}", perSecond, duration, cancellationToken);
        jit.Record(m, "under steady load");
        var created = registrations.Where(r => r.EventId is not null).ToList();
        var ids = created.Select(r => r.EventId!.Value).ToArray();
        await Wait.UntilAsync(() => CountTodosAsync(sandbox, ids), n => n >= ids.Length, TimeSpan.FromSeconds(60),
            $"{ids.Length} welcome todos", TimeSpan.FromMilliseconds(50), cancellationToken);
        accounting.Record(m, "under steady load");
        Resources.Record(m, system, system.Auth.CpuTime - authCpu, system.Silo.CpuTime - siloCpu, system.Todo.CpuTime - todoCpu, ids.Length, null, insertCpu);

        await RecordLatenciesAsync(sandbox, created, m, cancellationToken);
        m["Registrations measured"] = registrations.Count;
        m["Registering transaction in the harness, p50 (ms)"] = Stats.Percentile(registrations.Select(r => r.Latency.TotalMilliseconds), 50);
        m["Registering transaction in the harness, p99 (ms)"] = Stats.Percentile(registrations.Select(r => r.Latency.TotalMilliseconds), 99);
    }

    private static async Task RecordLatenciesAsync(Sandbox sandbox, IReadOnlyList<Workload.Registration> created, Measurements m, CancellationToken cancellationToken)
    {
        var ids = created.Select(r => r.EventId!.Value).ToArray();
        Dictionary<Guid, (DateTime Started, DateTime Committed, DateTime Claimed, DateTime Marked)> outbox;
        await using (var auth = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken))
        {
            // The outbox row was updated (SENT) since, so its own xmin is the relay's; the user row still has the registering one.
            outbox = (await auth.QueryAsync<(Guid EventId, DateTime Started, DateTime Committed, DateTime Claimed, DateTime Marked)>(
                    """
                    SELECT o.event_id, o.created_at, pg_xact_commit_timestamp(u.xmin), o.sent_at, pg_xact_commit_timestamp(o.xmin)
                    FROM outbox o JOIN users u ON u.id = o.aggregate_id WHERE o.event_id = ANY(@ids)
                    """, new { ids }))
                .ToDictionary(r => r.EventId, r => (r.Started, r.Committed, r.Claimed, r.Marked));
        }

        Dictionary<Guid, (DateTime Started, DateTime Committed)> todos;
        await using (var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        {
            todos = (await todo.QueryAsync<(Guid EventId, DateTime Started, DateTime Committed)>(
                    "SELECT source_event_id, created_at, pg_xact_commit_timestamp(xmin) FROM todos WHERE source_event_id = ANY(@ids)", new { ids }))
                .ToDictionary(r => r.EventId, r => (r.Started, r.Committed));
        }

        var latency = Stage(ids, id => todos[id].Committed - outbox[id].Committed);
        m["latency.p50"] = Stats.Percentile(latency, 50);
        m["latency.p95"] = Stats.Percentile(latency, 95);
        m["latency.p99"] = Stats.Percentile(latency, 99);
        m["Latency max (ms)"] = latency.Max();
        Record(m, "registering transaction, start → commit", Stage(ids, id => outbox[id].Committed - outbox[id].Started));
        Record(m, "registering commit → relay claim", Stage(ids, id => outbox[id].Claimed - outbox[id].Committed));
        Record(m, "relay claim → todo transaction start", Stage(ids, id => todos[id].Started - outbox[id].Claimed));
        Record(m, "registering commit → todo transaction start", Stage(ids, id => todos[id].Started - outbox[id].Committed));
        Record(m, "todo transaction, start → commit", Stage(ids, id => todos[id].Committed - todos[id].Started));
        Record(m, "relay claim → relay commit (SENT)", Stage(ids, id => outbox[id].Marked - outbox[id].Claimed));
    }

    private static List<double> Stage(IEnumerable<Guid> ids, Func<Guid, TimeSpan> span) => ids.Select(id => span(id).TotalMilliseconds).ToList();

    private static void Record(Measurements m, string stage, IReadOnlyList<double> values)
    {
        m[$"Stage: {stage}, p50 (ms)"] = Stats.Percentile(values, 50);
        m[$"Stage: {stage}, p99 (ms)"] = Stats.Percentile(values, 99);
    }

    private static async Task<long> CountTodosAsync(Sandbox sandbox, Guid[] ids)
    {
        await using var connection = await sandbox.TodoDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM todos WHERE source_event_id = ANY(@ids)", new { ids });
    }

    /// <summary>Harness CPU per 1,000 welcome-todo inserts done straight (the consumer's irreducible database work).</summary>
    public static async Task<double> StraightInsertCpuAsync(Sandbox sandbox, int concurrency, CancellationToken cancellationToken)
    {
        const int Count = 2_000;
        var rows = Enumerable.Range(0, Count).Select(_ => (Guid.CreateVersion7(), Guid.CreateVersion7())).ToList();
        var cpu = ProcStats.OwnCpuTime();
        await WelcomeTodos.InsertAllAsync(sandbox.TodoDb, rows, concurrency, cancellationToken);
        var perThousand = (ProcStats.OwnCpuTime() - cpu).TotalMilliseconds * 1000 / Count;
        await using var connection = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("TRUNCATE todos, processed_events");
        return perThousand;
    }
}
