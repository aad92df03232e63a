using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 3. Commit-to-todo latency at a steady 20 registrations/s (open loop) against AuthApi and TodoService
/// as separate processes, from the rows' own timestamps. Baseline: <see cref="RawPipeline"/> at the same rate.
/// </summary>
internal sealed class LatencyScenario : IScenario
{

    public string Key => "latency";

    public string Title => "3. Commit-to-todo latency";

    public string Description =>
        $"20 registrations/s, open loop, for 20 s (60 s with `--full`) after 2 s of warm-up, against AuthApi and TodoService as separate processes. " +
        "Latency = `todos.created_at` − `outbox.created_at` of the same event. Both are `now()` of their transaction, so the start of the registering " +
        "transaction is used for its commit (PostgreSQL records no commit time unless `track_commit_timestamp` is on, which needs a restart of the shared " +
        "server): that figure overstates by the registering transaction's own length. The second set of figures starts at the commit as a client LISTENing on " +
        "`outbox_pending` sees it (the NOTIFY is delivered at commit, as it wakes the relay; matched to registrations in order): the commit is no later, so those are lower bounds. " +
        "Baseline: commit a row, publish it with a confirm, consume it, insert a row (harness only, no HTTP/hash/NOTIFY/relay), at the same rate for 10 s, timed the same way.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("latency.p50", "p50 from the registering transaction's start (upper bound)", "ms", "latency.baseline.p50", "raw commit→publish→consume→insert", "<= 5 ms", (value, _, _) => value <= 5, 1),
        new("latency.p95", "p95 from the transaction's start", "ms", "latency.baseline.p95", "raw pipeline", "(none)", null, 1),
        new("latency.p99", "p99 from the transaction's start (upper bound)", "ms", "latency.baseline.p99", "raw pipeline", "<= 25 ms", (value, _, _) => value <= 25, 1),
        new("latency.commit.p50", "p50 from the commit as LISTEN sees it (lower bound)", "ms", "latency.baseline.p50", "raw pipeline", "<= 5 ms", (value, _, _) => value <= 5, 1),
        new("latency.commit.p95", "p95 from the commit as LISTEN sees it (lower bound)", "ms", "latency.baseline.p95", "raw pipeline", "(none)", null, 1),
        new("latency.commit.p99", "p99 from the commit as LISTEN sees it (lower bound)", "ms", "latency.baseline.p99", "raw pipeline", "<= 25 ms", (value, _, _) => value <= 25, 1),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var perSecond = context.Options.LatencyRate;
        var duration = TimeSpan.FromSeconds(context.Options.Full ? 60 : 20);
        await sandbox.MigrateAsync(cancellationToken);

        Progress.Say($"  baseline: raw pipeline at {perSecond:0}/s for 10 s");
        var raw = await RawPipeline.MeasureLatencyAsync(sandbox, perSecond, TimeSpan.FromSeconds(10), cancellationToken);
        m["latency.baseline.p50"] = Stats.Percentile(raw, 50);
        m["latency.baseline.p95"] = Stats.Percentile(raw, 95);
        m["latency.baseline.p99"] = Stats.Percentile(raw, 99);

        var hash = await HashCost.MeasureAsync(context.Shipped, 10, cancellationToken);
        var insertCpu = await StraightInsertCpuAsync(sandbox, context.ConsumerConcurrency, cancellationToken);

        await using var system = await SystemUnderLoad.StartAsync(context, sandbox, $"latency-{run}", null, cancellationToken);
        using var client = new RegistrationClient(system.Auth.BaseAddress, TimeSpan.FromSeconds(30));
        Progress.Say("  warm-up: 2 s");
        await client.OpenLoopAsync($"warmup{run}", perSecond, TimeSpan.FromSeconds(2), cancellationToken);
        // One idle second after the warm-up: the services' fixed CPU cost, which dominates CPU per event at this low rate.
        var (authIdle, todoIdle) = (system.Auth.CpuTime, system.Todo.CpuTime);
        await Task.Delay(1000, cancellationToken);
        m["AuthApi idle CPU after warm-up (% of one core)"] = (system.Auth.CpuTime - authIdle).TotalMilliseconds / 10;
        m["TodoService idle CPU after warm-up (% of one core)"] = (system.Todo.CpuTime - todoIdle).TotalMilliseconds / 10;

        Progress.Say($"  {perSecond:0} registrations/s for {duration.TotalSeconds:0} s");
        var authCpu = system.Auth.CpuTime;
        var todoCpu = system.Todo.CpuTime;
        var accounting = CpuAccounting.Start(sandbox, system.Pids);
        await using var commits = await CommitWatcher.StartAsync(sandbox.AuthDb, cancellationToken);
        var registrations = await client.OpenLoopAsync($"latency{run}", perSecond, duration, cancellationToken);
        var created = registrations.Where(r => r.EventId is not null).ToList();
        var ids = created.Select(r => r.EventId!.Value).ToArray();
        await Wait.UntilAsync(() => CountTodosAsync(sandbox, ids), n => n >= ids.Length, TimeSpan.FromSeconds(60),
            $"{ids.Length} welcome todos", TimeSpan.FromMilliseconds(50), cancellationToken);
        accounting.Record(m, "under steady load");
        Resources.Record(m, system, system.Auth.CpuTime - authCpu, system.Todo.CpuTime - todoCpu, ids.Length, hash.CpuMs, insertCpu);

        await RecordLatenciesAsync(sandbox, created, commits, m, cancellationToken);
        m["Registrations measured"] = registrations.Count;
        m["Registrations not answered 201"] = registrations.Count - created.Count;
        m["Register HTTP latency p50 (ms)"] = Stats.Percentile(registrations.Select(r => r.Latency.TotalMilliseconds), 50);
        m["Register HTTP latency p99 (ms)"] = Stats.Percentile(registrations.Select(r => r.Latency.TotalMilliseconds), 99);
        return m;
    }

    private static async Task RecordLatenciesAsync(Sandbox sandbox, IReadOnlyList<Workload.Registration> created, CommitWatcher commits, Measurements m, CancellationToken cancellationToken)
    {
        var ids = created.Select(r => r.EventId!.Value).ToArray();
        Dictionary<Guid, (DateTime CreatedAt, DateTime SentAt)> outbox;
        await using (var auth = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken))
        {
            outbox = (await auth.QueryAsync<(Guid EventId, DateTime CreatedAt, DateTime SentAt)>(
                    "SELECT event_id, created_at, sent_at FROM outbox WHERE event_id = ANY(@ids)", new { ids }))
                .ToDictionary(r => r.EventId, r => (r.CreatedAt, r.SentAt));
        }

        Dictionary<Guid, DateTime> todos;
        await using (var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        {
            todos = (await todo.QueryAsync<(Guid EventId, DateTime CreatedAt)>(
                    "SELECT source_event_id, created_at FROM todos WHERE source_event_id = ANY(@ids)", new { ids }))
                .ToDictionary(r => r.EventId, r => r.CreatedAt);
        }

        var latency = ids.Select(id => (todos[id] - outbox[id].CreatedAt).TotalMilliseconds).ToList();
        m["latency.p50"] = Stats.Percentile(latency, 50);
        m["latency.p95"] = Stats.Percentile(latency, 95);
        m["latency.p99"] = Stats.Percentile(latency, 99);
        m["Latency max (ms)"] = latency.Max();
        // The commit as a LISTENing client sees it (as the relay does): commit <= seen, so latency from it is a lower bound.
        var committed = commits.Match(ids.Select(id => (id, new DateTimeOffset(outbox[id].CreatedAt, TimeSpan.Zero))));
        var fromCommit = committed.Select(c => (new DateTimeOffset(todos[c.Key], TimeSpan.Zero) - c.Value).TotalMilliseconds).ToList();
        m["latency.commit.p50"] = Stats.Percentile(fromCommit, 50);
        m["latency.commit.p95"] = Stats.Percentile(fromCommit, 95);
        m["latency.commit.p99"] = Stats.Percentile(fromCommit, 99);
        m["Commits seen by LISTEN, matched to registrations (%)"] = 100.0 * committed.Count / ids.Length;
        m["Stage: registering tx start → commit seen, p50 (ms)"] = Stats.Percentile(committed.Select(c => (c.Value - new DateTimeOffset(outbox[c.Key].CreatedAt, TimeSpan.Zero)).TotalMilliseconds), 50);
        m["Stage: registering tx start → commit seen, p99 (ms)"] = Stats.Percentile(committed.Select(c => (c.Value - new DateTimeOffset(outbox[c.Key].CreatedAt, TimeSpan.Zero)).TotalMilliseconds), 99);
        m["Stage: commit seen → relay claim, p50 (ms)"] = Stats.Percentile(committed.Select(c => (new DateTimeOffset(outbox[c.Key].SentAt, TimeSpan.Zero) - c.Value).TotalMilliseconds), 50);
        var lower = created.Select(r => (new DateTimeOffset(todos[r.EventId!.Value], TimeSpan.Zero) - r.AnsweredAt).TotalMilliseconds).ToList();
        m["Lower bound, todo − HTTP 201 received: p50 (ms)"] = Stats.Percentile(lower, 50);
        m["Lower bound, todo − HTTP 201 received: p99 (ms)"] = Stats.Percentile(lower, 99);
        var toAnswer = created.Select(r => (r.AnsweredAt - new DateTimeOffset(outbox[r.EventId!.Value].CreatedAt, TimeSpan.Zero)).TotalMilliseconds).ToList();
        m["Stage: registering tx start → HTTP 201 received, p50 (ms)"] = Stats.Percentile(toAnswer, 50);
        m["Stage: registering tx start → HTTP 201 received, p99 (ms)"] = Stats.Percentile(toAnswer, 99);
        var toClaim = ids.Select(id => (outbox[id].SentAt - outbox[id].CreatedAt).TotalMilliseconds).ToList();
        var claimToTodo = ids.Select(id => (todos[id] - outbox[id].SentAt).TotalMilliseconds).ToList();
        m["Stage: registering tx start → relay claim, p50 (ms)"] = Stats.Percentile(toClaim, 50);
        m["Stage: registering tx start → relay claim, p99 (ms)"] = Stats.Percentile(toClaim, 99);
        m["Stage: relay claim → todo insert, p50 (ms)"] = Stats.Percentile(claimToTodo, 50);
        m["Stage: relay claim → todo insert, p99 (ms)"] = Stats.Percentile(claimToTodo, 99);
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
