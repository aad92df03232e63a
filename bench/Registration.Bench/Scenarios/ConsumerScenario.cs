using System.Diagnostics;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 2. Consumer: 20,000 USER_REGISTERED messages waiting in user_registered_queue, then TodoConsumer (its own
/// process) is started and drains them. The rate is taken from the todos' own created_at (first to last),
/// so the process start-up is not counted. Baselines: the same rows inserted straight into PostgreSQL with the
/// consumer's concurrency, one event per transaction (the classic baseline) and a batch per transaction.
/// </summary>
internal sealed class ConsumerScenario : IScenario
{
    public const int Events = 20_000;
    private const int WarmUp = 1_000;

    public string Key => "consumer";

    public string Title => "2. Consumer";

    public string Description =>
        $"{Events:N0} USER_REGISTERED messages (as the relay publishes them) wait in `user_registered_queue`; then a silo and TodoConsumer start as their own processes " +
        "with its shipped settings and drains them. Rate = todos / (last `todos.created_at` − 1,001st), so start-up and the first 1,000 (tier-0 code) are excluded; CPU is counted from the first todo seen to the last. " +
        "Baselines: the same rows (processed_events key + todo, without the per-user lock and sequence) inserted straight into PostgreSQL by the harness with `Consumer:Concurrency` transactions in flight, " +
        "one event per transaction (the classic baseline), and `Consumer:BatchSize` events per transaction (the raw cost of what the batched consumer writes). " +
        "Peers: their producer fills the queue (`POST /register-batch`), stops, and their consumer starts on the full queue; rate and CPU taken the same way (first 1,000 todos excluded).";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("consumer.rate", "Consumer rate", "todos/s", "consumer.baseline", "straight inserts, one per transaction, same concurrency", ">= 50% of baseline",
            (_, _, ratio) => ratio >= 0.5, HigherIsBetter: true),
        new("consumer.rate.batched", "Consumer rate", "todos/s", "consumer.baseline.batched", "straight inserts, same batch size and concurrency", ">= 50% of baseline",
            (_, _, ratio) => ratio >= 0.5, HigherIsBetter: true),
        new("consumer.cpu", "TodoConsumer + silo CPU per 1,000 events", "ms", "consumer.baseline.cpu", "harness CPU per 1,000 straight inserts", "(none)", null, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await MeasureOursAsync(context, sandbox, run, m, cancellationToken);
        // The peers after ours, in the same run and sandbox, once our processes have stopped.
        foreach (var peer in context.Peers)
        {
            await Peers.PeerStep.RunAsync(peer, m, () => Peers.PeerDrain.MeasureConsumerAsync(context, sandbox, peer, Events, WarmUp, run, m, cancellationToken));
        }

        return m;
    }

    private async Task MeasureOursAsync(BenchContext context, Sandbox sandbox, int run, Measurements m, CancellationToken cancellationToken)
    {
        var concurrency = context.ConsumerConcurrency;
        await sandbox.MigrateAsync(cancellationToken);
        var messages = Workload.Events.NewOutboxMessages($"consumer{run}", Events);

        Progress.Say($"  baseline: inserting {Events:N0} welcome todos straight into PostgreSQL, {concurrency} at a time");
        var rows = messages.Select(message => (message.EventId, message.AggregateId)).ToList();
        var cpu = ProcStats.OwnCpuTime();
        var baselineAccounting = CpuAccounting.Start(sandbox, new Dictionary<string, int>());
        var clock = Stopwatch.StartNew();
        await WelcomeTodos.InsertAllAsync(sandbox.TodoDb, rows, concurrency, cancellationToken);
        m["consumer.baseline"] = Events / clock.Elapsed.TotalSeconds;
        baselineAccounting.Record(m, "during straight inserts");
        m["consumer.baseline.cpu"] = (ProcStats.OwnCpuTime() - cpu).TotalMilliseconds * 1000 / Events;
        await TruncateAsync(sandbox, cancellationToken);
        clock.Restart();
        Progress.Say($"  baseline: the same rows, {context.ConsumerBatchSize} per transaction, {concurrency} transactions at a time");
        await WelcomeTodos.InsertBatchedAsync(sandbox.TodoDb, rows, concurrency, context.ConsumerBatchSize, cancellationToken);
        m["consumer.baseline.batched"] = Events / clock.Elapsed.TotalSeconds;
        await TruncateAsync(sandbox, cancellationToken);

        Progress.Say($"  publishing {Events:N0} messages to the queue");
        await using (var broker = await sandbox.ConnectBrokerAsync("publisher", cancellationToken))
        {
            await RawPublisher.PublishAsync(broker, messages, context.OutboxBatchSize, cancellationToken);
        }

        Progress.Say("  starting a silo (the users' grains), then TodoConsumer; waiting for every welcome todo");
        await using var silo = await context.StartSiloAsync(sandbox, $"consumer-{run}-silo", null, cancellationToken);
        var started = Stopwatch.StartNew();
        await using var todo = await context.StartTodoConsumerAsync(sandbox, $"consumer-{run}-todo-consumer", cancellationToken);

        var first = await Wait.UntilAsync(() => sandbox.TodoScalarAsync("SELECT count(*) FROM todos"), count => count > 0,
            TimeSpan.FromSeconds(60), "the first welcome todo", TimeSpan.FromMilliseconds(5), cancellationToken);
        var cpuAtFirst = todo.CpuTime + silo.CpuTime;
        var accounting = CpuAccounting.Start(sandbox, new Dictionary<string, int> { ["TodoConsumer"] = todo.Pid, ["Silo"] = silo.Pid });
        m["Consumer: process start to first todo (s)"] = started.Elapsed.TotalSeconds;
        await Wait.UntilAsync(() => sandbox.TodoScalarAsync("SELECT count(*) FROM todos"), count => count >= Events,
            TimeSpan.FromSeconds(180), $"{Events} welcome todos", TimeSpan.FromMilliseconds(100), cancellationToken);
        m["consumer.cpu"] = (todo.CpuTime + silo.CpuTime - cpuAtFirst).TotalMilliseconds * 1000 / (Events - first);
        accounting.Record(m, "while consuming");

        await using var db = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        var span = await db.QuerySingleAsync<(DateTime First, DateTime Last, long Count)>("SELECT min(created_at), max(created_at), count(*) FROM todos");
        // The first 1,000 todos are the fresh process's warm-up (tier-0 code, connections opening): not counted.
        var warm = await db.ExecuteScalarAsync<DateTime>("SELECT created_at FROM todos ORDER BY created_at OFFSET @WarmUp LIMIT 1", new { WarmUp });
        m["consumer.rate"] = (span.Count - WarmUp - 1) / (span.Last - warm).TotalSeconds;
        m["consumer.rate.batched"] = m["consumer.rate"];
        m["Consumer: rate including the first 1,000 (todos/s)"] = (span.Count - 1) / (span.Last - span.First).TotalSeconds;
        m["TodoConsumer: peak RSS (MiB)"] = todo.PeakRssMiB;
        m["Silo: peak RSS (MiB)"] = silo.PeakRssMiB;
        var duplicates = await db.ExecuteScalarAsync<long>("SELECT count(*) - count(DISTINCT source_event_id) FROM todos");
        if (span.Count != Events || duplicates != 0)
        {
            throw new InvalidOperationException($"expected {Events} distinct welcome todos, found {span.Count} ({duplicates} duplicates)");
        }

    }

    private static async Task TruncateAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        await using var connection = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("TRUNCATE todos, processed_events");
    }
}
