using System.Diagnostics;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 7b. Notifications consumer: 20,000 TODO_CREATED events waiting in notifications_queue, then a silo and the
/// Notifications service (their own processes) drain them through the users' notifications grains and their group
/// commit. The rate is taken from the notifications' own created_at, as <see cref="ConsumerScenario"/> does. Baseline:
/// the same notification rows (their event_id the dedup key) inserted straight into PostgreSQL, same batch size and
/// concurrency, in the same run.
/// </summary>
internal sealed class NotificationsConsumerScenario : IScenario
{
    public const int Users = 2_000;
    public const int PerUser = 10;
    public const int Events = Users * PerUser;
    private const int WarmUp = 1_000;

    public string Key => "notifications-consumer";

    public string Title => "7b. Notifications consumer";

    public string Description =>
        $"{Events:N0} TODO_CREATED events ({Users:N0} users with {PerUser} each, sequences 1-{PerUser}, published in rounds so a user's next event is {Users:N0} messages behind its previous one, " +
        "as the todo outbox's relay publishes them) wait in `notifications_queue`; then a silo and the Notifications service start as their own processes with their shipped settings and drain them " +
        "(each event through its user's notifications grain, the per-user sequence check and the shared group commit). " +
        $"Rate = notifications / (last `notifications.created_at` − {WarmUp + 1:N0}st), so start-up and the first {WarmUp:N0} (warm-up) are excluded; CPU is counted from the first notification seen to the last. " +
        "Baseline: the same notification rows (`event_id` unique, the dedup key, `ON CONFLICT DO NOTHING`; without the per-user lock, sequence check and state row) inserted straight into PostgreSQL by the harness " +
        "in one multi-row statement per transaction of Notifications' `Consumer:BatchSize` events, with `Consumer:Concurrency` transactions in flight; harness CPU per 1,000 taken the same way.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("notify.consumer.rate", "Notifications consumer rate", "notifications/s", "notify.consumer.baseline", "straight batched inserts, same batch size and concurrency", "(none)", null, HigherIsBetter: true),
        new("notify.consumer.cpu", "Notifications + silo CPU per 1,000 events", "ms", "notify.consumer.baseline.cpu", "harness CPU per 1,000 straight batched inserts", "(none)", null, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var concurrency = context.Shipped.NotificationsConcurrency;
        var batchSize = context.Shipped.NotificationsBatchSize;
        await sandbox.MigrateAsync(cancellationToken);
        var events = TaskEvents.NewRounds($"notify{run}", Users, PerUser);

        Progress.Say($"  baseline: inserting {Events:N0} notifications straight into PostgreSQL, {batchSize} per transaction, {concurrency} transactions at a time");
        var cpu = ProcStats.OwnCpuTime();
        var baselineAccounting = CpuAccounting.Start(sandbox, new Dictionary<string, int>());
        var clock = Stopwatch.StartNew();
        await TaskEvents.InsertBatchedAsync(sandbox.NotifyDb, events, concurrency, batchSize, cancellationToken);
        m["notify.consumer.baseline"] = Events / clock.Elapsed.TotalSeconds;
        baselineAccounting.Record(m, "during straight inserts");
        m["notify.consumer.baseline.cpu"] = (ProcStats.OwnCpuTime() - cpu).TotalMilliseconds * 1000 / Events;
        await using (var connection = await sandbox.NotifyDb.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync("TRUNCATE notifications, notification_users");
        }

        Progress.Say($"  publishing {Events:N0} task events to the queue");
        await using (var broker = await sandbox.ConnectBrokerAsync("publisher", cancellationToken))
        {
            await TaskEvents.PublishAsync(broker, events, context.OutboxBatchSize, cancellationToken);
        }

        Progress.Say("  starting a silo (the users' notifications grains), then Notifications; waiting for every notification");
        await using var silo = await context.StartSiloAsync(sandbox, $"notify-consumer-{run}-silo", null, cancellationToken);
        var started = Stopwatch.StartNew();
        await using var notifications = await context.StartNotificationsAsync(sandbox, $"notify-consumer-{run}-notifications", cancellationToken);

        const string Count = "SELECT count(*) FROM notifications";
        var first = await Wait.UntilAsync(() => sandbox.NotifyScalarAsync(Count), count => count > 0,
            TimeSpan.FromSeconds(60), "the first notification", TimeSpan.FromMilliseconds(5), cancellationToken);
        var cpuAtFirst = notifications.CpuTime + silo.CpuTime;
        var accounting = CpuAccounting.Start(sandbox, new Dictionary<string, int> { ["Notifications"] = notifications.Pid, ["Silo"] = silo.Pid });
        m["Notifications: process start to first notification (s)"] = started.Elapsed.TotalSeconds;
        await Wait.UntilAsync(() => sandbox.NotifyScalarAsync(Count), count => count >= Events,
            TimeSpan.FromSeconds(300), $"{Events} notifications", TimeSpan.FromMilliseconds(100), cancellationToken);
        m["notify.consumer.cpu"] = (notifications.CpuTime + silo.CpuTime - cpuAtFirst).TotalMilliseconds * 1000 / (Events - first);
        accounting.Record(m, "while consuming");

        await using var db = await sandbox.NotifyDb.OpenConnectionAsync(cancellationToken);
        var span = await db.QuerySingleAsync<(DateTime First, DateTime Last, long Count)>("SELECT min(created_at), max(created_at), count(*) FROM notifications");
        // The first 1,000 are the fresh process's warm-up (connections opening, grains activating): not counted.
        var warm = await db.ExecuteScalarAsync<DateTime>("SELECT created_at FROM notifications ORDER BY created_at OFFSET @WarmUp LIMIT 1", new { WarmUp });
        m["notify.consumer.rate"] = (span.Count - WarmUp - 1) / (span.Last - warm).TotalSeconds;
        m["Notifications consumer: rate including the first 1,000 (notifications/s)"] = (span.Count - 1) / (span.Last - span.First).TotalSeconds;
        m["Notifications consumer: transactions (distinct created_at)"] = await db.ExecuteScalarAsync<long>("SELECT count(DISTINCT created_at) FROM notifications");
        m["Notifications: peak RSS (MiB)"] = notifications.PeakRssMiB;
        m["Silo: peak RSS (MiB)"] = silo.PeakRssMiB;
        var (duplicates, outOfOrder) = await db.QuerySingleAsync<(long, long)>(
            """
            SELECT count(*) - count(DISTINCT event_id),
                   (SELECT count(*) FROM (SELECT sequence < lag(sequence) OVER (PARTITION BY user_id ORDER BY id) AS back FROM notifications) s WHERE back)
            FROM notifications
            """);
        if (span.Count != Events || duplicates != 0 || outOfOrder != 0)
        {
            throw new InvalidOperationException($"expected {Events} distinct notifications in each user's order, found {span.Count} ({duplicates} duplicates, {outOfOrder} out of order)");
        }

        return m;
    }
}
