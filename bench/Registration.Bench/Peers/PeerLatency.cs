using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;
using Registration.Bench.Scenarios;

namespace Registration.Bench.Peers;

/// <summary>
/// Scenario 3 for a peer: the same open-loop rate and duration against its producer's <c>POST /register</c>, latency
/// from the same PostgreSQL commit timestamps (the users row's and the todo row's), and the resources of both processes.
/// </summary>
internal static class PeerLatency
{
    public static async Task MeasureAsync(
        BenchContext context, Sandbox sandbox, Peer peer, double perSecond, TimeSpan duration, int run, Measurements m, CancellationToken cancellationToken)
    {
        var own = await sandbox.CreatePeerAsync(peer, cancellationToken);
        await using var system = await PeerSystem.StartAsync(context.Settings, own, $"latency{perSecond:0}-{run}", null, cancellationToken);
        using var client = new RegistrationClient(system.Producer.BaseAddress, TimeSpan.FromSeconds(30), "/register");
        Progress.Say($"  {peer.Name}: warm-up at {perSecond:0}/s, at least 2 s, until its JIT has settled");
        var chunk = 0;
        var warmUp = await JitWarmUp.RunAsync(
            length => client.OpenLoopAsync($"{peer.Key}-warmup{run}-{chunk++}", perSecond, length, cancellationToken),
            system.Pids.Values, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(40), cancellationToken);
        m[$"{peer.Name}: warm-up until the JIT settled (s)"] = warmUp.TotalSeconds;

        Progress.Say($"  {peer.Name}: {perSecond:0} registrations/s for {duration.TotalSeconds:0} s");
        var (producerCpu, consumerCpu) = (system.Producer.CpuTime, system.Consumer.CpuTime);
        var registrations = await client.OpenLoopAsync($"{peer.Key}-latency{run}", perSecond, duration, cancellationToken);
        var ids = registrations.Where(r => r.EventId is not null).Select(r => r.EventId!.Value).ToArray();
        await Wait.UntilAsync(() => own.ScalarAsync("SELECT count(*) FROM todos WHERE event_id = ANY(@ids)", new { ids }), n => n >= ids.Length,
            TimeSpan.FromSeconds(120), $"{ids.Length} {peer.Name} welcome todos", TimeSpan.FromMilliseconds(50), cancellationToken);
        var cpu = system.Producer.CpuTime - producerCpu + (system.Consumer.CpuTime - consumerCpu);

        await using var connection = await own.Db.OpenConnectionAsync(cancellationToken);
        var latency = (await connection.QueryAsync<double>(
            """
            SELECT extract(epoch FROM pg_xact_commit_timestamp(t.xmin) - pg_xact_commit_timestamp(u.xmin)) * 1000
            FROM todos t JOIN users u ON u.id = t.user_id WHERE t.event_id = ANY(@ids)
            """, new { ids })).ToList();
        // The todo's created_at is its transaction's start: what the transport took, apart from the todo's own write.
        var transport = (await connection.QueryAsync<double>(
            """
            SELECT extract(epoch FROM t.created_at - pg_xact_commit_timestamp(u.xmin)) * 1000
            FROM todos t JOIN users u ON u.id = t.user_id WHERE t.event_id = ANY(@ids)
            """, new { ids })).ToList();
        m[$"{peer.Name}: stage: registering commit → todo transaction start, p50 (ms)"] = Stats.Percentile(transport, 50);
        m[$"{peer.Name}: stage: registering commit → todo transaction start, p99 (ms)"] = Stats.Percentile(transport, 99);
        m[peer.Id("latency.p50")] = Stats.Percentile(latency, 50);
        m[peer.Id("latency.p95")] = Stats.Percentile(latency, 95);
        m[peer.Id("latency.p99")] = Stats.Percentile(latency, 99);
        m[$"{peer.Name}: latency max (ms)"] = latency.Count == 0 ? double.NaN : latency.Max();
        m[$"{peer.Name}: registrations not answered 201"] = registrations.Count - ids.Length;
        m[$"{peer.Name}: register HTTP latency p50 (ms)"] = Stats.Percentile(registrations.Select(r => r.Latency.TotalMilliseconds), 50);
        PeerResources.Record(m, peer, system, cpu, ids.Length);
    }
}
