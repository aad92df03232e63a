using System.Diagnostics;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;
using Registration.Tests.Infrastructure;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 5. Recovery: AuthApi reaches the broker through a TCP proxy; the proxy is cut, 10,000 events are
/// committed to the outbox, and after the outage the proxy is restored. Measured from the restore until
/// every todo exists. Baseline: the same backlog committed while the broker is up.
/// </summary>
internal sealed class RecoveryScenario : IScenario
{
    public const int Events = 10_000;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    public string Key => "recovery";

    public string Title => "5. Recovery after a broker outage";

    public string Description =>
        $"AuthApi and TodoConsumer run as processes; AuthApi reaches RabbitMQ through a TCP proxy in the harness. The proxy is cut (open connections dropped, " +
        $"new ones refused), {Events:N0} events are committed through `OutboxWriter` (10 transactions), and {Outage.TotalSeconds:0} s after the cut the proxy is restored. " +
        "Measured from the restore until the last todo's own `created_at`. Baseline: the same number of events committed in one transaction " +
        "with the broker up and the relay connected, from the commit until all todos exist. " +
        "Peers: their producer reaches RabbitMQ through the same kind of proxy (their consumer directly); the same backlog is committed in one `POST /register-batch` during the same outage.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("recovery.time", "Broker up → all todos", "s", "recovery.baseline", "same backlog, broker never down", "<= 3 s", (value, _, _) => value <= 3, 2, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await MeasureOursAsync(context, sandbox, run, m, cancellationToken);
        // The peers after ours, in the same run and sandbox, once our processes have stopped.
        foreach (var peer in context.Peers)
        {
            await Peers.PeerStep.RunAsync(peer, m, () => Peers.PeerRecovery.MeasureAsync(context, sandbox, peer, Events, Outage, run, m, cancellationToken));
        }

        return m;
    }

    private async Task MeasureOursAsync(BenchContext context, Sandbox sandbox, int run, Measurements m, CancellationToken cancellationToken)
    {
        await sandbox.MigrateAsync(cancellationToken);
        await using var proxy = new TcpProxy(context.Settings.RabbitHost, context.Settings.RabbitPort);
        await using var system = await SystemUnderLoad.StartAsync(context, sandbox, $"recovery-{run}", proxy.Port, cancellationToken);

        Progress.Say($"  baseline: {Events:N0} events committed with the broker up");
        var warm = Workload.Events.NewOutboxMessages($"up{run}", Events);
        await Workload.Events.WriteOutboxAsync(sandbox.AuthDb, warm, Events, cancellationToken);
        var committedAt = DateTimeOffset.UtcNow;
        await WaitForTodosAsync(sandbox, Events, cancellationToken);
        m["recovery.baseline"] = (await LastTodoAsync(sandbox, warm, cancellationToken) - committedAt).TotalSeconds;
        await RecordStagesAsync(sandbox, warm, committedAt, "Broker up", m, cancellationToken);

        Progress.Say($"  cutting the relay's broker connection; committing {Events:N0} events; restoring after {Outage.TotalSeconds:0} s");
        var outage = Stopwatch.StartNew();
        proxy.Cut();
        var backlog = Workload.Events.NewOutboxMessages($"down{run}", Events);
        await Workload.Events.WriteOutboxAsync(sandbox.AuthDb, backlog, Events / 10, cancellationToken);
        var pending = await sandbox.AuthScalarAsync("SELECT count(*) FROM outbox WHERE status = 'PENDING'");
        if (pending != Events)
        {
            throw new InvalidOperationException($"expected {Events} PENDING rows during the outage, found {pending}: the cut did not hold");
        }

        if (Outage > outage.Elapsed)
        {
            await Task.Delay(Outage - outage.Elapsed, cancellationToken);
        }

        var accounting = CpuAccounting.Start(sandbox, system.Pids);
        proxy.Restore();
        var restoredAt = DateTimeOffset.UtcNow;
        m["Outage length (s)"] = outage.Elapsed.TotalSeconds;
        await WaitForTodosAsync(sandbox, 2 * Events, cancellationToken);
        m["recovery.time"] = (await LastTodoAsync(sandbox, backlog, cancellationToken) - restoredAt).TotalSeconds;
        accounting.Record(m, "during recovery");
        await RecordStagesAsync(sandbox, backlog, restoredAt, "After the outage", m, cancellationToken);
    }

    private static Task WaitForTodosAsync(Sandbox sandbox, int count, CancellationToken cancellationToken) =>
        Wait.UntilAsync(() => sandbox.TodoScalarAsync("SELECT count(*) FROM todos"), n => n >= count,
            TimeSpan.FromSeconds(120), $"{count} welcome todos", TimeSpan.FromMilliseconds(100), cancellationToken);

    /// <summary>When the last of these events' todos was inserted (its own created_at: the poll interval does not matter).</summary>
    private static async Task<DateTimeOffset> LastTodoAsync(Sandbox sandbox, IReadOnlyList<Registration.Messaging.Outbox.OutboxMessage> messages, CancellationToken cancellationToken)
    {
        var ids = messages.Select(message => message.EventId).ToArray();
        await using var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        return Utc(await todo.ExecuteScalarAsync<DateTime>("SELECT max(created_at) FROM todos WHERE source_event_id = ANY(@ids)", new { ids }));
    }

    /// <summary>From the rows: when the relay first claimed, when it last claimed, when the last todo was inserted.</summary>
    private static async Task RecordStagesAsync(Sandbox sandbox, IReadOnlyList<Registration.Messaging.Outbox.OutboxMessage> messages, DateTimeOffset from, string label, Measurements m, CancellationToken cancellationToken)
    {
        var ids = messages.Select(message => message.EventId).ToArray();
        (DateTime First, DateTime Last) claims;
        await using (var auth = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken))
        {
            claims = await auth.QuerySingleAsync<(DateTime, DateTime)>("SELECT min(sent_at), max(sent_at) FROM outbox WHERE event_id = ANY(@ids)", new { ids });
        }

        await using var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        var lastTodo = await todo.ExecuteScalarAsync<DateTime>("SELECT max(created_at) FROM todos WHERE source_event_id = ANY(@ids)", new { ids });
        m[$"{label}: until the relay's first claim (s)"] = (Utc(claims.First) - from).TotalSeconds;
        m[$"{label}: first to last relay claim (s)"] = (claims.Last - claims.First).TotalSeconds;
        m[$"{label}: last relay claim to last todo (s)"] = (lastTodo - claims.Last).TotalSeconds;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
