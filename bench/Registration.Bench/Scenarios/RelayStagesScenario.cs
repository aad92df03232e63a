using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Contracts;
using Registration.Messaging;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Scenarios;

/// <summary>
/// Diagnostic (not in the default run): where one relay step spends its time, and what larger batches or
/// two relay loops at once would give. Runs the relay's own code (OutboxStore, OutboxPublisher, OutboxRelay)
/// in the harness against the sandbox, each variant on 20,000 fresh PENDING rows.
/// </summary>
internal sealed class RelayStagesScenario : IScenario
{
    private const int Events = 20_000;

    public string Key => "relay-stages";

    public string Title => "D1. Relay stages (diagnostic)";

    public string Description =>
        $"The relay's own code run in the harness, each variant on {Events:N0} fresh PENDING rows: one relay step timed stage by stage " +
        "(claim, publish + confirms, record, commit) with `OutboxStore`/`OutboxPublisher`; then `OutboxRelay.RelayBatchAsync` in a loop " +
        "with the shipped batch size, with 4x that batch size, and as two loops at once (each its own channel; SKIP LOCKED keeps them apart).";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("stages.relay", "OutboxRelay loop, shipped batch size", "events/s", null, "", "(diagnostic)", null),
        new("stages.relay.big", "OutboxRelay loop, 4x batch size", "events/s", "stages.relay", "shipped batch size", "(diagnostic)", null),
        new("stages.relay.two", "Two OutboxRelay loops at once, shipped batch size", "events/s", "stages.relay", "one loop", "(diagnostic)", null),
        new("stages.relay.nobitmap", "OutboxRelay loop, shipped batch size, enable_bitmapscan=off", "events/s", "stages.relay", "as shipped", "(diagnostic)", null),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var batch = context.OutboxBatchSize;
        await sandbox.MigrateAsync(cancellationToken);
        await using var db = NpgsqlDataSource.Create(context.Settings.PostgresConnectionString(sandbox.AuthDatabase));
        await using var broker = await sandbox.ConnectBrokerAsync("relay-stages", cancellationToken);

        Progress.Say($"  one relay step at a time, stage by stage, batches of {batch}");
        await FillAsync(db, run, "stages", cancellationToken);
        await TimeStagesAsync(db, broker, batch, "Step stages", m, cancellationToken);
        await PurgeAsync(broker, cancellationToken);

        Progress.Say($"  OutboxRelay loop, batches of {batch}");
        await FillAsync(db, run, "one", cancellationToken);
        m["stages.relay"] = await RelayLoopsAsync(db, broker, batch, loops: 1, cancellationToken);
        await PurgeAsync(broker, cancellationToken);

        Progress.Say($"  OutboxRelay loop, batches of {4 * batch}");
        await FillAsync(db, run, "big", cancellationToken);
        m["stages.relay.big"] = await RelayLoopsAsync(db, broker, 4 * batch, loops: 1, cancellationToken);
        await PurgeAsync(broker, cancellationToken);

        Progress.Say($"  two OutboxRelay loops at once, batches of {batch}");
        await FillAsync(db, run, "two", cancellationToken);
        m["stages.relay.two"] = await RelayLoopsAsync(db, broker, batch, loops: 2, cancellationToken);
        await PurgeAsync(broker, cancellationToken);

        // Without statistics on the fresh backlog the planner claims with a bitmap scan of every PENDING row plus a
        // sort; with bitmap scans off it walks the outbox_pending index in id order and stops after the batch.
        Progress.Say($"  OutboxRelay loop, batches of {batch}, enable_bitmapscan=off");
        await using var ordered = NpgsqlDataSource.Create(context.Settings.PostgresConnectionString(sandbox.AuthDatabase) + ";Options='-c enable_bitmapscan=off'");
        await FillAsync(db, run, "nobitmap", cancellationToken);
        m["stages.relay.nobitmap"] = await RelayLoopsAsync(ordered, broker, batch, loops: 1, cancellationToken);
        await PurgeAsync(broker, cancellationToken);
        await FillAsync(db, run, "nobitmapstages", cancellationToken);
        await TimeStagesAsync(ordered, broker, batch, "Step stages, enable_bitmapscan=off", m, cancellationToken);
        return m;
    }

    /// <summary>RelayBatchAsync's steps, each timed, summed over all batches, in ms per batch.</summary>
    private static async Task TimeStagesAsync(NpgsqlDataSource db, IConnection broker, int batch, string label, Measurements m, CancellationToken cancellationToken)
    {
        await using var channel = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(batch), cancellationToken);
        double claim = 0, publish = 0, record = 0, commit = 0;
        var batches = 0;
        var total = Stopwatch.StartNew();
        while (true)
        {
            var clock = Stopwatch.StartNew();
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = await OutboxStore.ClaimAsync(connection, transaction, batch, cancellationToken);
            if (rows.Count == 0)
            {
                break;
            }

            claim += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            var (confirmed, failed) = await OutboxPublisher.PublishAsync(channel, rows, TimeSpan.FromSeconds(10), cancellationToken);
            publish += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await OutboxStore.RecordAsync(connection, transaction, confirmed, failed.Select(f => new PublishFailure(f.Row.Id, f.Error, TimeSpan.FromSeconds(1))).ToList(), cancellationToken);
            record += clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await transaction.CommitAsync(cancellationToken);
            commit += clock.Elapsed.TotalMilliseconds;
            batches++;
        }

        m[$"{label}: rate (events/s)"] = Events / total.Elapsed.TotalSeconds;
        m[$"{label}: claim, SELECT … FOR UPDATE SKIP LOCKED + parse (ms per batch)"] = claim / batches;
        m[$"{label}: publish + await all confirms (ms per batch)"] = publish / batches;
        m[$"{label}: record, UPDATE … SET status = 'SENT' (ms per batch)"] = record / batches;
        m[$"{label}: commit (ms per batch)"] = commit / batches;
    }

    /// <returns>Events per second until no row is PENDING.</returns>
    private static async Task<double> RelayLoopsAsync(NpgsqlDataSource db, IConnection broker, int batch, int loops, CancellationToken cancellationToken)
    {
        var relay = new OutboxRelay(db, Options.Create(new OutboxOptions { BatchSize = batch }));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, loops).Select(async _ =>
        {
            await using var channel = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(batch), cancellationToken);
            while ((await relay.RelayBatchAsync(channel, cancellationToken)).Claimed > 0)
            {
            }
        }));
        var rate = Events / clock.Elapsed.TotalSeconds;
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var pending = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'");
        return pending == 0 ? rate : throw new InvalidOperationException($"{pending} rows still PENDING after the relay loops ended");
    }

    /// <summary>20,000 PENDING rows like OutboxWriter's, inserted in one statement (the writer's speed is not what is measured here).</summary>
    private static async Task FillAsync(NpgsqlDataSource db, int run, string variant, CancellationToken cancellationToken)
    {
        var messages = Workload.Events.NewOutboxMessages($"{variant}{run}", Events);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, payload, headers)
            SELECT e, t, a, p::json, h::jsonb FROM unnest(@e, @t, @a, @p, @h) AS x(e, t, a, p, h)
            """, connection);
        command.Parameters.AddWithValue("e", messages.Select(x => x.EventId).ToArray());
        command.Parameters.AddWithValue("t", messages.Select(x => x.EventType).ToArray());
        command.Parameters.AddWithValue("a", messages.Select(x => x.AggregateId).ToArray());
        command.Parameters.AddWithValue("p", messages.Select(x => x.Payload).ToArray());
        command.Parameters.AddWithValue("h", messages.Select(x => System.Text.Json.JsonSerializer.Serialize(x.Headers)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task PurgeAsync(IConnection broker, CancellationToken cancellationToken)
    {
        await using var channel = await broker.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.QueuePurgeAsync(Topology.UserRegisteredQueue, cancellationToken);
    }
}
