using System.Diagnostics;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Scenarios;

namespace Registration.Bench.Peers;

/// <summary>
/// Scenarios 1 and 2 for a peer. Drain: its producer alone (no consumer) commits the backlog in one transaction
/// (<c>POST /register-batch</c>); measured from that transaction's commit timestamp until every message is in the
/// broker (queue depth from a passive declare). Consumer: then the producer stops and the consumer starts on the full
/// queue; measured from the todos' own <c>created_at</c> as for ours.
/// </summary>
internal static class PeerDrain
{
    private const int WarmUp = 2_000;

    public static async Task MeasureDrainAsync(BenchContext context, Sandbox sandbox, Peer peer, int events, int run, Measurements m, CancellationToken cancellationToken)
    {
        var own = await sandbox.CreatePeerAsync(peer, cancellationToken);
        await using var producer = await PeerProcess.StartAsync(context.Settings, own, PeerRole.Producer, $"relay-{run}", null, cancellationToken);
        await using var queues = await PeerQueues.OpenAsync(context.Settings, context.Admin, own, cancellationToken);
        await WarmUpAsync(own, producer, queues, run, cancellationToken);
        await DrainAsync(own, producer, queues, events, $"{peer.Key}-relay{run}", m, cancellationToken);
    }

    public static async Task MeasureConsumerAsync(BenchContext context, Sandbox sandbox, Peer peer, int events, int warmUp, int run, Measurements m, CancellationToken cancellationToken)
    {
        var own = await sandbox.CreatePeerAsync(peer, cancellationToken);
        await using (var producer = await PeerProcess.StartAsync(context.Settings, own, PeerRole.Producer, $"consumer-{run}", null, cancellationToken))
        await using (var queues = await PeerQueues.OpenAsync(context.Settings, context.Admin, own, cancellationToken))
        {
            Progress.Say($"  {peer.Name}: filling its queue with {events:N0} events");
            await PeerClient.RegisterBatchAsync(producer.BaseAddress, $"{peer.Key}-consumer{run}", events, cancellationToken);
            await Wait.UntilAsync(queues.CountAsync, n => n >= events, TimeSpan.FromSeconds(300), $"{events} messages in {peer.Name}'s queue",
                TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        Progress.Say($"  {peer.Name}: starting its consumer on the full queue");
        await using var consumer = await PeerProcess.StartAsync(context.Settings, own, PeerRole.Consumer, $"consumer-{run}", null, cancellationToken);
        var first = await Wait.UntilAsync(() => own.ScalarAsync("SELECT count(*) FROM todos"), n => n > 0,
            TimeSpan.FromSeconds(60), $"the first {peer.Name} todo", TimeSpan.FromMilliseconds(5), cancellationToken);
        var cpuAtFirst = consumer.CpuTime;
        await Wait.UntilAsync(() => own.ScalarAsync("SELECT count(*) FROM todos"), n => n >= events,
            TimeSpan.FromSeconds(600), $"{events} {peer.Name} todos", TimeSpan.FromMilliseconds(100), cancellationToken);
        m[peer.Id("consumer.cpu")] = (consumer.CpuTime - cpuAtFirst).TotalMilliseconds * 1000 / (events - first);

        await using var db = await own.Db.OpenConnectionAsync(cancellationToken);
        var span = await db.QuerySingleAsync<(DateTime First, DateTime Last, long Count)>("SELECT min(created_at), max(created_at), count(*) FROM todos");
        // As for ours: the first todos are the fresh process's warm-up and are not counted.
        var warm = await db.ExecuteScalarAsync<DateTime>("SELECT created_at FROM todos ORDER BY created_at OFFSET @warmUp LIMIT 1", new { warmUp });
        m[peer.Id("consumer.rate")] = (span.Count - warmUp - 1) / (span.Last - warm).TotalSeconds;
        m[peer.Id("consumer.rate.batched")] = m[peer.Id("consumer.rate")];
        m[$"{peer.Name}: consumer rate including the first {warmUp:N0} (todos/s)"] = (span.Count - 1) / (span.Last - span.First).TotalSeconds;
        m[$"{peer.Name}: consumer peak RSS (MiB)"] = consumer.PeakRssMiB;
        if (span.Count != events)
        {
            throw new InvalidOperationException($"expected {events} {peer.Name} todos, found {span.Count}");
        }
    }

    private static async Task WarmUpAsync(PeerSandbox own, ServiceProcess producer, PeerQueues queues, int run, CancellationToken cancellationToken)
    {
        // As ours relays 5,000 events first: a fresh process runs unoptimized code at first.
        Progress.Say($"  {own.Peer.Name}: warm-up, {WarmUp:N0} events published and purged");
        await PeerClient.RegisterBatchAsync(producer.BaseAddress, $"{own.Peer.Key}-warmup{run}", WarmUp, cancellationToken);
        await Wait.UntilAsync(queues.CountAsync, n => n >= WarmUp, TimeSpan.FromSeconds(120), $"the {own.Peer.Name} warm-up events in the queue",
            TimeSpan.FromMilliseconds(50), cancellationToken);
        await queues.PurgeAsync();
        await Task.Delay(500, cancellationToken);
    }

    private static async Task DrainAsync(PeerSandbox own, ServiceProcess producer, PeerQueues queues, int events, string prefix, Measurements m, CancellationToken cancellationToken)
    {
        Progress.Say($"  {own.Peer.Name}: committing {events:N0} users and events in one transaction; waiting for all of them in the queue");
        var clock = Stopwatch.StartNew();
        var posting = PeerClient.RegisterBatchAsync(producer.BaseAddress, prefix, events, cancellationToken);
        // The commit shows as the users appearing; the producer's CPU is counted from then.
        await Wait.UntilAsync(async () => posting.IsFaulted ? -1 : await own.ScalarAsync("SELECT count(*) FROM users WHERE email LIKE @like", new { like = prefix + "-%" }),
            n => n != 0, TimeSpan.FromSeconds(600), $"{own.Peer.Name}'s batch committed", TimeSpan.FromMilliseconds(5), cancellationToken);
        if (posting.IsFaulted)
        {
            await posting;
        }

        var cpu = producer.CpuTime;
        m[$"{own.Peer.Name}: batch of {events:N0} stored in (s)"] = clock.Elapsed.TotalSeconds;
        await Wait.UntilAsync(queues.CountAsync, n => n >= events, TimeSpan.FromSeconds(300), $"{events} messages in {own.Peer.Name}'s queue",
            TimeSpan.FromMilliseconds(5), cancellationToken);
        var queuedAt = DateTimeOffset.UtcNow;
        var cpuUsed = producer.CpuTime - cpu;
        await posting;
        var committedAt = await CommitTimeAsync(own, prefix, cancellationToken);
        var drain = queuedAt - committedAt;
        m[own.Peer.Id("relay.rate")] = events / drain.TotalSeconds;
        m[own.Peer.Id("relay.cpu")] = cpuUsed.TotalMilliseconds * 1000 / events;
        m[$"{own.Peer.Name}: drain time, commit to all in the queue (s)"] = drain.TotalSeconds;
    }

    /// <summary>The commit time of the batch's transaction, from PostgreSQL (as ours, not the harness's view of it).</summary>
    public static async Task<DateTimeOffset> CommitTimeAsync(PeerSandbox own, string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await own.Db.OpenConnectionAsync(cancellationToken);
        var committed = await connection.ExecuteScalarAsync<DateTime>(
            "SELECT max(pg_xact_commit_timestamp(xmin)) FROM users WHERE email LIKE @like", new { like = prefix + "-%" });
        return new DateTimeOffset(DateTime.SpecifyKind(committed, DateTimeKind.Utc));
    }
}
