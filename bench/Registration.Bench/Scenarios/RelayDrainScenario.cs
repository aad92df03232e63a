using System.Diagnostics;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;
using Registration.Contracts;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 1. Relay drain: 20,000 PENDING rows written through OutboxWriter in one transaction while one silo (a
/// separate process, its relay grains connected) waits; after the commit the partitions' relays are woken as AuthApi
/// wakes them after a registration; from the commit until no row is PENDING. Baseline: the same
/// messages published straight to the broker with confirms, in batches of the relay's size.
/// </summary>
internal sealed class RelayDrainScenario : IScenario
{
    public const int Events = 20_000;
    private const int WarmUp = 5_000;

    public string Key => "relay";

    public string Title => "1. Relay drain";

    public string Description =>
        "Peers: their producer alone commits the same number of users and events in one transaction (`POST /register-batch`, after a 2,000-event warm-up); " +
        "measured from that transaction's commit timestamp until every message is in the queue (depth by passive declare every 5 ms); CPU is the producer's from the commit on. " +
        $"{Events:N0} PENDING outbox rows written with `OutboxWriter.AddAsync` in one transaction; a silo runs as its own process with its relay grains active (and warmed up by relaying 5,000 events first); " +
        "after the commit the harness wakes the relay of every partition written, with AuthApi's `RelayWake`, as AuthApi does after a registration's commit. " +
        "Measured from the commit until no row is PENDING (an `EXISTS` probe every 5 ms). Baseline: the same messages published by the harness straight to the same " +
        "quorum queue with publisher confirms, in batches of `Outbox:BatchSize`, all confirms of a batch awaited before the next.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("relay.rate", "Relay drain rate", "events/s", "relay.baseline", "raw confirmed publish", ">= 50% of baseline and >= 10,000/s",
            (value, _, ratio) => ratio >= 0.5 && value >= 10_000, HigherIsBetter: true),
        new("relay.cpu", "Silo CPU per 1,000 relayed events", "ms", "relay.baseline.cpu", "harness CPU per 1,000 raw publishes", "(none)", null, HigherIsBetter: false),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await MeasureOursAsync(context, sandbox, run, m, cancellationToken);
        // The peers after ours, in the same run and sandbox, once our processes have stopped.
        foreach (var peer in context.Peers)
        {
            await Peers.PeerStep.RunAsync(peer, m, () => Peers.PeerDrain.MeasureDrainAsync(context, sandbox, peer, Events, run, m, cancellationToken));
        }

        return m;
    }

    private async Task MeasureOursAsync(BenchContext context, Sandbox sandbox, int run, Measurements m, CancellationToken cancellationToken)
    {
        var batchSize = context.OutboxBatchSize;
        await sandbox.MigrateAsync(cancellationToken);
        var messages = Workload.Events.NewOutboxMessages($"relay{run}", Events);

        Progress.Say($"  baseline: publishing {Events:N0} messages with confirms, batches of {batchSize}");
        await using (var broker = await sandbox.ConnectBrokerAsync("baseline", cancellationToken))
        {
            var cpu = ProcStats.OwnCpuTime();
            var accounting = CpuAccounting.Start(sandbox, new Dictionary<string, int>());
            var clock = Stopwatch.StartNew();
            await RawPublisher.PublishAsync(broker, messages, batchSize, cancellationToken);
            m["relay.baseline"] = Events / clock.Elapsed.TotalSeconds;
            accounting.Record(m, "during raw publish");
            m["relay.baseline.cpu"] = (ProcStats.OwnCpuTime() - cpu).TotalMilliseconds * 1000 / Events;
            await using var channel = await broker.CreateChannelAsync(cancellationToken: cancellationToken);
            await channel.QueuePurgeAsync(Topology.UserRegisteredQueue, cancellationToken);
        }

        await using var silo = await context.StartSiloAsync(sandbox, $"relay-{run}-silo", null, cancellationToken);

        // A fresh process runs tier-0 (unoptimized) code at first; a long-running relay does not.
        Progress.Say($"  warm-up: relaying {WarmUp:N0} events");
        await Workload.Events.WriteOutboxAsync(sandbox.AuthDb, Workload.Events.NewOutboxMessages($"warmup{run}", WarmUp), WarmUp, cancellationToken);
        await Wait.UntilAsync(() => sandbox.AuthScalarAsync("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), pending => pending == 0,
            TimeSpan.FromSeconds(60), "the warm-up events relayed", TimeSpan.FromMilliseconds(50), cancellationToken);
        await Task.Delay(500, cancellationToken);

        await using var wake = await DirectRegistrations.ConnectAsync(sandbox.AuthDb, context.ClusterEnvironment(sandbox), cancellationToken);
        Progress.Say($"  writing {Events:N0} outbox rows in one transaction");
        var partitions = new HashSet<short>();
        var writing = Stopwatch.StartNew();
        await using var connection = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken);
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            foreach (var message in messages)
            {
                partitions.Add(await Registration.Bench.Workload.Events.Writer.AddAsync(connection, transaction, message, cancellationToken));
            }

            m["Writer: rows written per second (one transaction)"] = Events / writing.Elapsed.TotalSeconds;
            var cpuBefore = silo.CpuTime;
            var accounting = CpuAccounting.Start(sandbox, new Dictionary<string, int> { ["Silo"] = silo.Pid });
            await transaction.CommitAsync(cancellationToken);
            var committedAt = DateTimeOffset.UtcNow;
            var drain = Stopwatch.StartNew();
            wake.Committed(partitions);
            Progress.Say("  committed; waiting for the relay to mark every row SENT");
            // EXISTS stops at the first PENDING row: a cheap probe that barely competes with the relay.
            await Wait.UntilAsync(
                () => connection.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM outbox WHERE status = 'PENDING')"),
                pending => !pending, TimeSpan.FromSeconds(120), "no PENDING outbox row", TimeSpan.FromMilliseconds(5), cancellationToken);
            var elapsed = drain.Elapsed;
            m["relay.rate"] = Events / elapsed.TotalSeconds;
            m["relay.cpu"] = (silo.CpuTime - cpuBefore).TotalMilliseconds * 1000 / Events;
            m["Relay: drain time (s)"] = elapsed.TotalSeconds;
            accounting.Record(m, "while the relay drains");
            await RecordBatchesAsync(connection, committedAt, m);
        }

        // Rows sent today only: a diagnostic may have seeded old SENT rows (RelayRetentionScenario).
        var sent = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'SENT' AND sent_at > now() - interval '1 day'");
        if (sent != Events + WarmUp)
        {
            throw new InvalidOperationException($"expected {Events + WarmUp} SENT rows, found {sent}");
        }

    }

    /// <summary>
    /// Where the relay's time goes, from the rows themselves: sent_at is now() of the relay transaction that
    /// claimed the row, so each distinct value is one batch and the gap between them is one relay step.
    /// </summary>
    private static async Task RecordBatchesAsync(Npgsql.NpgsqlConnection connection, DateTimeOffset committedAt, Measurements m)
    {
        var claims = (await connection.QueryAsync<DateTime>("SELECT DISTINCT sent_at FROM outbox WHERE sent_at >= @committedAt ORDER BY sent_at", new { committedAt })).ToList();
        m["Relay: batches"] = claims.Count;
        m["Relay: commit to first claim (ms)"] = (new DateTimeOffset(claims[0], TimeSpan.Zero) - committedAt).TotalMilliseconds;
        if (claims.Count > 1)
        {
            var steps = claims.Zip(claims.Skip(1), (a, b) => (b - a).TotalMilliseconds).ToList();
            m["Relay: one batch step, claim to next claim (ms, median)"] = Stats.Median(steps);
        }
    }
}
