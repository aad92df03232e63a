using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 7. Todo change → notification on an open stream, at 20 and at 200 changes/s (open loop), with a silo, TodoConsumer
/// (the todo API) and Notifications as separate processes and one open SSE stream per user making changes. From the
/// change's PostgreSQL commit timestamp to the moment the harness has read the event off the stream. Baseline:
/// <see cref="RawNotificationPipeline"/> at the same rates in the same run.
/// </summary>
internal sealed class NotificationsLatencyScenario : IScenario
{
    public const int Users = 50;
    private static readonly double[] Rates = [20, 200];

    public string Key => "notifications-latency";

    public string Title => "7. Todo change → notification on an open stream";

    private static TimeSpan Duration(BenchContext context) => TimeSpan.FromSeconds(context.Options.Full ? 60 : 20);

    public string Description =>
        $"{Users} users, each with one Server-Sent Events stream open on the Notifications service (`GET /api/v1/notifications/stream`, bearer JWT, read line by line as a client reads it), " +
        "create todos through TodoConsumer's API (`POST /api/v1/todos`, the users in turn) at 20 and then at 200 changes/s, open loop, for 20 s each (60 s with `--full`), " +
        "after a warm-up at 20/s (at least 2 s, until the services' JIT compiler has settled) and 2 s at 200/s; a silo, TodoConsumer and Notifications run as separate processes. " +
        "Each change commits the todo and its TODO_CREATED outbox row in one statement (UserGrain), the todo outbox's relay grain publishes it, Notifications consumes it, " +
        "the user's notifications grain stores it through the group commit and pushes it through the grain observers to the stream. " +
        "Latency = wall clock when the harness has read the notification (matched by its `todoId`) − commit time of the change (`pg_xact_commit_timestamp` of the todo row; " +
        "same machine, same clock; `scripts/infra.sh` turns `track_commit_timestamp` on). " +
        "Baseline, as in scenario 3: the raw path by the harness alone at the same rate for 10 s: commit a row in the todo database, publish it with a confirm, consume it, " +
        "insert and commit a row in the notify database, and hand it to a reader in the same process (a channel), timed the same way (reader's wall clock − first commit); " +
        "no HTTP, relay, grains, group commit, observer or SSE hop, which are what the ratio shows.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("notify.latency20.p50", "p50 at 20 changes/s, change commit → notification on the stream", "ms", "notify.latency20.baseline.p50", "raw commit→publish→consume→commit→reader", "(none)", null, 1, HigherIsBetter: false),
        new("notify.latency20.p99", "p99 at 20 changes/s, change commit → notification on the stream", "ms", "notify.latency20.baseline.p99", "raw pipeline", "(none)", null, 1, HigherIsBetter: false),
        new("notify.latency200.p50", "p50 at 200 changes/s, change commit → notification on the stream", "ms", "notify.latency200.baseline.p50", "raw commit→publish→consume→commit→reader", "(none)", null, 1, HigherIsBetter: false),
        new("notify.latency200.p99", "p99 at 200 changes/s, change commit → notification on the stream", "ms", "notify.latency200.baseline.p99", "raw pipeline", "(none)", null, 1, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await sandbox.MigrateAsync(cancellationToken);
        await using (var connection = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        if (await connection.ExecuteScalarAsync<string>("SHOW track_commit_timestamp") != "on")
        {
            throw new InvalidOperationException("PostgreSQL keeps no commit timestamps: restart it with scripts/infra.sh start (it turns track_commit_timestamp on)");
        }

        foreach (var rate in Rates)
        {
            Progress.Say($"  baseline: raw pipeline at {rate:0}/s for 10 s");
            var raw = await RawNotificationPipeline.MeasureLatencyAsync(sandbox, rate, TimeSpan.FromSeconds(10), cancellationToken);
            m[$"notify.latency{rate:0}.baseline.p50"] = Stats.Percentile(raw, 50);
            m[$"Raw pipeline at {rate:0}/s, p95 (ms)"] = Stats.Percentile(raw, 95);
            m[$"notify.latency{rate:0}.baseline.p99"] = Stats.Percentile(raw, 99);
        }

        await using var silo = await context.StartSiloAsync(sandbox, $"notify-latency-{run}-silo", null, cancellationToken);
        await using var todo = await context.StartTodoConsumerAsync(sandbox, $"notify-latency-{run}-todo-consumer", cancellationToken);
        await using var notifications = await context.StartNotificationsAsync(sandbox, $"notify-latency-{run}-notifications", cancellationToken);
        var pids = new Dictionary<string, int> { ["Silo"] = silo.Pid, ["TodoConsumer"] = todo.Pid, ["Notifications"] = notifications.Pid };
        Progress.Say($"  opening {Users} streams");
        await using var streams = await NotificationStreams.OpenAsync(notifications.BaseAddress, todo.BaseAddress, Users, cancellationToken);

        Progress.Say("  warm-up: at least 2 s at 20/s, until the services' JIT has settled");
        var warmUp = await JitWarmUp.RunAsync(
            length => ChangeAsync(streams, $"warmup{run}", 20, length, cancellationToken),
            pids.Values, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(40), cancellationToken);
        m["Warm-up until the JIT settled (s)"] = warmUp.TotalSeconds;

        foreach (var rate in Rates)
        {
            if (rate > Rates[0])
            {
                await ChangeAsync(streams, $"warmup{run}-{rate:0}", rate, TimeSpan.FromSeconds(2), cancellationToken);
            }

            var duration = Duration(context);
            Progress.Say($"  {rate:0} changes/s for {duration.TotalSeconds:0} s");
            var cpu = pids.ToDictionary(p => p.Key, p => ProcStats.CpuTime(p.Value));
            var accounting = CpuAccounting.Start(sandbox, pids);
            var changes = await ChangeAsync(streams, $"run{run}-{rate:0}", rate, duration, cancellationToken);
            var all = changes.Select(c => c.TodoId).ToArray();
            try
            {
                await Wait.UntilAsync(() => Task.FromResult(all.Count(streams.Received.ContainsKey)), n => n >= all.Length, TimeSpan.FromSeconds(30),
                    $"{all.Length} notifications on the streams", TimeSpan.FromMilliseconds(50), cancellationToken);
            }
            catch (TimeoutException)
            {
                await RecordMissingAsync(sandbox, streams, changes, rate, m, cancellationToken);
            }

            accounting.Record(m, $"at {rate:0}/s");
            // Latency of every change whose notification arrived (a missing one is counted and described above).
            var ids = all.Where(streams.Received.ContainsKey).ToArray();
            foreach (var (name, pid) in pids)
            {
                m[$"{name} CPU per 1,000 changes at {rate:0}/s (ms)"] = (ProcStats.CpuTime(pid) - cpu[name]).TotalMilliseconds * 1000 / ids.Length;
            }

            await RecordLatenciesAsync(sandbox, streams, ids, rate, m, cancellationToken);
            m[$"Changes measured at {rate:0}/s"] = ids.Length;
            m[$"Todo API request at {rate:0}/s, p50 (ms)"] = Stats.Percentile(changes.Select(c => c.Latency.TotalMilliseconds), 50);
            m[$"Todo API request at {rate:0}/s, p99 (ms)"] = Stats.Percentile(changes.Select(c => c.Latency.TotalMilliseconds), 99);
        }

        m["Stream events not matching a change (expected 0)"] = streams.Unexpected;
        m["Streams the server ended during the run (expected 0)"] = streams.Ended;
        foreach (var (name, pid) in pids)
        {
            m[$"{name}: peak RSS (MiB)"] = ProcStats.PeakRssMiB(pid);
        }

        return m;
    }

    /// <summary>Changes whose notification never reached the stream within 30 s: counted, and where each got to (stored or not).</summary>
    private static async Task RecordMissingAsync(
        Sandbox sandbox, NotificationStreams streams, (Guid TodoId, TimeSpan Latency)[] changes, double rate, Measurements m, CancellationToken cancellationToken)
    {
        var missing = changes.Select((c, i) => (c.TodoId, Index: i)).Where(c => !streams.Received.ContainsKey(c.TodoId)).ToList();
        var ids = missing.Select(c => c.TodoId).ToArray();
        await using var notify = await sandbox.NotifyDb.OpenConnectionAsync(cancellationToken);
        var stored = (await notify.QueryAsync<(Guid TodoId, long Id, DateTime CreatedAt)>(
            "SELECT todo_id, id, created_at FROM notifications WHERE todo_id = ANY(@ids)", new { ids })).ToDictionary(r => r.TodoId);
        await using var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        var committed = (await todo.QueryAsync<(Guid Id, DateTime Committed)>("SELECT id, pg_xact_commit_timestamp(xmin) FROM todos WHERE id = ANY(@ids)", new { ids }))
            .ToDictionary(r => r.Id, r => r.Committed);
        m[$"Notifications not on the stream 30 s after the last change at {rate:0}/s"] = missing.Count;
        m[$"Of them stored in the notify database at {rate:0}/s"] = stored.Count;
        var detail = string.Join("; ", missing.Take(5).Select(c =>
            $"todo {c.TodoId} (change {c.Index} of {changes.Length}, user {streams.UserOf(c.Index)}, committed {committed.GetValueOrDefault(c.TodoId):HH:mm:ss.fff}): " +
            (stored.TryGetValue(c.TodoId, out var row) ? $"stored as notification {row.Id} at {row.CreatedAt:HH:mm:ss.fff}" : "not stored")));
        m.Notes.Add($"At {rate:0}/s, {missing.Count} of {changes.Length} notifications had not reached their stream 30 s after the last change " +
                    $"({stored.Count} of them stored; streams ended by the server: {streams.Ended}): {detail}");
        Progress.Say($"  {m.Notes[^1]}");
    }

    private static Task<(Guid TodoId, TimeSpan Latency)[]> ChangeAsync(NotificationStreams streams, string prefix, double perSecond, TimeSpan duration, CancellationToken cancellationToken) =>
        OpenLoop.RunAsync(perSecond, duration, i => streams.CreateTodoAsync(i, $"{prefix} {i}", cancellationToken), cancellationToken);

    private static async Task RecordLatenciesAsync(Sandbox sandbox, NotificationStreams streams, Guid[] ids, double rate, Measurements m, CancellationToken cancellationToken)
    {
        Dictionary<Guid, DateTime> committed;
        await using (var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        {
            committed = (await todo.QueryAsync<(Guid Id, DateTime Committed)>("SELECT id, pg_xact_commit_timestamp(xmin) FROM todos WHERE id = ANY(@ids)", new { ids }))
                .ToDictionary(r => r.Id, r => r.Committed);
        }

        Dictionary<Guid, (DateTime Started, DateTime Committed)> stored;
        await using (var notify = await sandbox.NotifyDb.OpenConnectionAsync(cancellationToken))
        {
            stored = (await notify.QueryAsync<(Guid TodoId, DateTime Started, DateTime Committed)>(
                    "SELECT todo_id, created_at, pg_xact_commit_timestamp(xmin) FROM notifications WHERE todo_id = ANY(@ids)", new { ids }))
                .ToDictionary(r => r.TodoId, r => (r.Started, r.Committed));
        }

        var latency = Stage(ids, id => streams.Received[id] - committed[id]);
        m[$"notify.latency{rate:0}.p50"] = Stats.Percentile(latency, 50);
        m[$"Latency at {rate:0}/s, p95 (ms)"] = Stats.Percentile(latency, 95);
        m[$"notify.latency{rate:0}.p99"] = Stats.Percentile(latency, 99);
        m[$"Latency at {rate:0}/s, max (ms)"] = latency.Max();
        Record(m, rate, "change commit → notification transaction start", Stage(ids, id => stored[id].Started - committed[id]));
        Record(m, rate, "notification transaction, start → commit", Stage(ids, id => stored[id].Committed - stored[id].Started));
        Record(m, rate, "notification commit → read off the stream", Stage(ids, id => streams.Received[id] - stored[id].Committed));
    }

    private static List<double> Stage(IEnumerable<Guid> ids, Func<Guid, TimeSpan> span) => ids.Select(id => span(id).TotalMilliseconds).ToList();

    private static void Record(Measurements m, double rate, string stage, IReadOnlyList<double> values)
    {
        m[$"Stage at {rate:0}/s: {stage}, p50 (ms)"] = Stats.Percentile(values, 50);
        m[$"Stage at {rate:0}/s: {stage}, p99 (ms)"] = Stats.Percentile(values, 99);
    }
}
