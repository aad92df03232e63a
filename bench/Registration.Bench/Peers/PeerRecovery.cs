using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Scenarios;
using Registration.Tests.Infrastructure;

namespace Registration.Bench.Peers;

/// <summary>
/// Scenario 5 (recovery) for a peer, cut as ours is: its producer reaches RabbitMQ through the harness's TCP proxy
/// (its consumer directly); the proxy is cut, the backlog committed, and restored after the same outage.
/// Measured from the restore until the last todo's own <c>created_at</c>.
/// </summary>
internal static class PeerRecovery
{
    public static async Task MeasureAsync(BenchContext context, Sandbox sandbox, Peer peer, int events, TimeSpan outage, int run, Measurements m, CancellationToken cancellationToken)
    {
        var own = await sandbox.CreatePeerAsync(peer, cancellationToken);
        await using var proxy = new TcpProxy(context.Settings.RabbitHost, context.Settings.RabbitPort);
        await using var system = await PeerSystem.StartAsync(context.Settings, own, $"recovery-{run}", proxy.Port, cancellationToken);

        Progress.Say($"  {peer.Name}: {events:N0} events committed with the broker up");
        var up = $"{peer.Key}-up{run}";
        await PeerClient.RegisterBatchAsync(system.Producer.BaseAddress, up, events, cancellationToken);
        var upCommitted = await PeerDrain.CommitTimeAsync(own, up, cancellationToken);
        await WaitForTodosAsync(own, events, cancellationToken);
        m[$"{peer.Name}: same backlog, broker never down, commit to last todo (s)"] = (await LastTodoAsync(own, up, cancellationToken) - upCommitted).TotalSeconds;

        Progress.Say($"  {peer.Name}: cutting its producer's broker connection; committing {events:N0} events; restoring after {outage.TotalSeconds:0} s");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        proxy.Cut();
        var down = $"{peer.Key}-down{run}";
        await PeerClient.RegisterBatchAsync(system.Producer.BaseAddress, down, events, cancellationToken);
        if (outage > clock.Elapsed)
        {
            await Task.Delay(outage - clock.Elapsed, cancellationToken);
        }

        var before = await own.ScalarAsync("SELECT count(*) FROM todos");
        proxy.Restore();
        var restoredAt = DateTimeOffset.UtcNow;
        m[$"{peer.Name}: outage length (s)"] = clock.Elapsed.TotalSeconds;
        m[$"{peer.Name}: todos of the outage's backlog before the restore"] = before - events;
        await WaitForTodosAsync(own, 2 * events, cancellationToken);
        m[peer.Id("recovery.time")] = (await LastTodoAsync(own, down, cancellationToken) - restoredAt).TotalSeconds;
    }

    private static Task WaitForTodosAsync(PeerSandbox own, int count, CancellationToken cancellationToken) =>
        Wait.UntilAsync(() => own.ScalarAsync("SELECT count(*) FROM todos"), n => n >= count,
            TimeSpan.FromSeconds(300), $"{count} {own.Peer.Name} todos", TimeSpan.FromMilliseconds(100), cancellationToken);

    private static async Task<DateTimeOffset> LastTodoAsync(PeerSandbox own, string prefix, CancellationToken cancellationToken)
    {
        await using var connection = await own.Db.OpenConnectionAsync(cancellationToken);
        var last = await connection.ExecuteScalarAsync<DateTime>(
            "SELECT max(t.created_at) FROM todos t JOIN users u ON u.id = t.user_id WHERE u.email LIKE @like", new { like = prefix + "-%" });
        return new DateTimeOffset(DateTime.SpecifyKind(last, DateTimeKind.Utc));
    }
}
