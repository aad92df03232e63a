using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// 4b. Failover (ours only): three silos, AuthApi and TodoConsumer as processes under 200 registrations/s offered;
/// the silo that hosts the most relay partitions (AuthApi's GET /api/v1/admin/cluster) is killed with SIGKILL, or
/// frozen with SIGSTOP for 30 s (<paramref name="freeze"/>; 4c). Measured from the outbox rows themselves: the longest
/// pause in publishing of its partitions, and the time until every row committed before the fault is SENT.
/// </summary>
internal sealed class FailoverScenario(bool freeze = false) : IScenario
{
    private const int Silos = 3;
    private const double PerSecond = 200;
    private const string AdminKey = "bench-admin-key";
    private static readonly TimeSpan BeforeFault = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Frozen = TimeSpan.FromSeconds(30);
    private readonly TimeSpan _afterFault = freeze ? Frozen + TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(20);
    private readonly string _prefix = freeze ? "failover.frozen" : "failover";

    public string Key => freeze ? "failover-frozen" : "failover";

    public string Title => freeze
        ? "4c. Failover of the silo with the most relay partitions, frozen for 30 s"
        : "4b. Failover of the silo with the most relay partitions";

    public string Description =>
        $"{Silos} silos, AuthApi and TodoConsumer as processes; once the 16 relay partitions are spread over the silos (AuthApi's `GET /api/v1/admin/cluster`), " +
        $"{PerSecond:0} registrations/s are offered open loop for {(BeforeFault + _afterFault).TotalSeconds:0} s and, {BeforeFault.TotalSeconds:0} s in, the silo hosting the most partitions is " +
        (freeze ? $"frozen (SIGSTOP) for {Frozen.TotalSeconds:0} s, then resumed (SIGCONT): it finds itself declared dead and leaves. " : "killed (SIGKILL). ") +
        "Gap = for each of its partitions, first `sent_at` after the fault − last `sent_at` before it; the figure is the longest. " +
        (freeze ? "Detection = from the freeze until Orleans' membership table (Redis) lists the silo as dead. " : "") +
        "All SENT = from the fault until the last row created before it was SENT. The registrations leave out the password hash (`Workload/DirectRegistrations.cs`: the user row and its event in one transaction, then AuthApi's `RelayWake`), as in scenario 3: on a 2-core machine BCrypt admits only about 25 a second. " +
        "Wolverine and CAP have no counterpart (their relay is not partitioned over a cluster): ours only.";

    public IReadOnlyList<FigureSpec> Figures => freeze
        ?
        [
            new("failover.frozen.gap", "Longest pause in publishing of the frozen silo's partitions", "s", null, "", "(none)", null, 2),
            new("failover.frozen.detection", "Freeze → the silo declared dead", "s", null, "", "(none)", null, 2),
            new("failover.frozen.beyond", "Longest pause beyond the detection", "s", null, "", "<= 3 s", (value, _, _) => value <= 3, 2),
            new("failover.frozen.sent", "Freeze → every row created before it SENT", "s", null, "", "(none)", null, 2),
        ]
        :
        [
            new("failover.gap", "Longest pause in publishing of the killed silo's partitions", "s", null, "", "<= 10 s", (value, _, _) => value <= 10, 2),
            new("failover.sent", "Kill → every row created before it SENT", "s", null, "", "(none)", null, 2),
        ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        await sandbox.MigrateAsync(cancellationToken);
        var silos = new List<(ServiceProcess Process, int Port)>();
        try
        {
            for (var i = 0; i < Silos; i++)
            {
                var port = ServiceProcess.FreePort();
                silos.Add((await context.StartSiloAsync(sandbox, $"failover-{run}-silo{i}", null, cancellationToken, port), port));
            }

            await using var todo = await context.StartTodoConsumerAsync(sandbox, $"failover-{run}-todo-consumer", cancellationToken);
            var environment = context.ClusterEnvironment(sandbox);
            environment["ConnectionStrings__Database"] = context.ServiceConnectionString("AuthApi", sandbox.AuthDatabase);
            environment["Admin__ApiKey"] = AdminKey;
            await using var auth = await context.StartServiceAsync("AuthApi", $"failover-{run}-auth-api", environment, "\"description\":\"connected\"", cancellationToken);

            var owners = await Wait.UntilAsync(() => SettledOwnersAsync(auth.BaseAddress, cancellationToken), o => o.Count == 16,
                TimeSpan.FromSeconds(60), $"16 relay partitions settled over the {Silos} silos", TimeSpan.FromMilliseconds(500), cancellationToken);
            var victim = silos.MaxBy(s => owners.Values.Count(owner => owner.Contains($":{s.Port}:", StringComparison.Ordinal)));
            var partitions = owners.Where(o => o.Value.Contains($":{victim.Port}:", StringComparison.Ordinal)).Select(o => o.Key).ToArray();
            m["Partitions on the failed silo"] = partitions.Length;

            await using var writer = await DirectRegistrations.ConnectAsync(sandbox.AuthDb, context.ClusterEnvironment(sandbox), cancellationToken);
            Progress.Say($"  {PerSecond:0} registrations/s offered; {(freeze ? "freezing" : "killing")} the silo with {partitions.Length} partitions after {BeforeFault.TotalSeconds:0} s");
            var loading = writer.OpenLoopAsync($"failover{run}", PerSecond, BeforeFault + _afterFault, cancellationToken);
            await Task.Delay(BeforeFault, cancellationToken);
            var failedAt = DateTimeOffset.UtcNow;
            if (freeze)
            {
                await victim.Process.FreezeAsync();
                await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(context.Settings.Redis);
                await Wait.UntilAsync(() => IsDeadAsync(redis, sandbox.VirtualHost, victim.Port), dead => dead,
                    Frozen, "the frozen silo declared dead", TimeSpan.FromMilliseconds(100), cancellationToken);
                m["failover.frozen.detection"] = (DateTimeOffset.UtcNow - failedAt).TotalSeconds;
                await Task.Delay(failedAt + Frozen - DateTimeOffset.UtcNow, cancellationToken);
                await victim.Process.ThawAsync();
            }
            else
            {
                await victim.Process.KillAsync();
            }

            var registrations = await loading;
            var loadEnded = Stopwatch.StartNew();
            await Wait.UntilAsync(() => sandbox.AuthScalarAsync("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0,
                TimeSpan.FromSeconds(120), "every outbox row SENT after the failover", TimeSpan.FromMilliseconds(50), cancellationToken);
            m["Load end → no PENDING row (s)"] = loadEnded.Elapsed.TotalSeconds;
            var created = registrations.Count(r => r.EventId is not null);
            m["Registrations committed per second"] = created / (BeforeFault + _afterFault).TotalSeconds;
            await RecordGapsAsync(sandbox, partitions, failedAt, m, cancellationToken);
            if (freeze)
            {
                m["failover.frozen.beyond"] = m["failover.frozen.gap"] - m["failover.frozen.detection"];
            }
            var todos = await Wait.UntilAsync(() => sandbox.TodoScalarAsync("SELECT count(*) FROM todos"), n => n >= created,
                TimeSpan.FromSeconds(60), $"{created} welcome todos", TimeSpan.FromMilliseconds(100), cancellationToken);
            m["Welcome todos beyond the registrations (duplicates)"] = todos - created;
        }
        finally
        {
            foreach (var (process, _) in silos)
            {
                await process.DisposeAsync();
            }
        }

        return m;
    }

    private async Task RecordGapsAsync(Sandbox sandbox, short[] partitions, DateTimeOffset failedAt, Measurements m, CancellationToken cancellationToken)
    {
        await using var connection = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken);
        var gaps = (await connection.QueryAsync<(short Partition, double? Seconds)>(
            """
            SELECT partition,
                   extract(epoch FROM min(sent_at) FILTER (WHERE sent_at > @failedAt) - max(sent_at) FILTER (WHERE sent_at <= @failedAt))::float8
            FROM outbox WHERE partition = ANY(@partitions) GROUP BY partition
            """, new { partitions, failedAt })).ToList();
        m[$"{_prefix}.gap"] = gaps.Max(g => g.Seconds ?? double.NaN);
        m["Failed silo's partitions: first publish after the fault, latest (s after the fault)"] = await connection.ExecuteScalarAsync<double>(
            """
            SELECT max(first) FROM (
                SELECT extract(epoch FROM min(sent_at) - @failedAt)::float8 AS first
                FROM outbox WHERE partition = ANY(@partitions) AND sent_at > @failedAt GROUP BY partition) resumed
            """, new { partitions, failedAt });
        m[$"{_prefix}.sent"] = Math.Max(0, await connection.ExecuteScalarAsync<double>(
            "SELECT coalesce(extract(epoch FROM max(sent_at) - @failedAt)::float8, 0) FROM outbox WHERE created_at <= @failedAt", new { failedAt }));
        // Cluster-wide: the other silos' partitions go on publishing through the failover.
        var sent = (await connection.QueryAsync<DateTime>("SELECT DISTINCT sent_at FROM outbox WHERE sent_at IS NOT NULL ORDER BY sent_at")).ToList();
        m["Longest pause between consecutive publishes, all partitions (s)"] = sent.Zip(sent.Skip(1), (a, b) => (b - a).TotalSeconds).DefaultIfEmpty(double.NaN).Max();
    }

    /// <summary>The partitions' owners once two reads 2 s apart agree (the placement has settled), or none yet.</summary>
    private static async Task<Dictionary<short, string>> SettledOwnersAsync(Uri auth, CancellationToken cancellationToken)
    {
        var first = await PartitionOwnersAsync(auth, cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var second = await PartitionOwnersAsync(auth, cancellationToken);
        return first.Count == 16 && first.All(o => second.GetValueOrDefault(o.Key) == o.Value) ? second : [];
    }

    private static async Task<Dictionary<short, string>> PartitionOwnersAsync(Uri auth, CancellationToken cancellationToken)
    {
        var view = await ClusterViewAsync(auth, cancellationToken);
        return view is not { } v ? [] : v.GetProperty("partitions").EnumerateArray()
            .Where(p => p.GetProperty("live").GetBoolean() && p.GetProperty("owner").ValueKind == JsonValueKind.String)
            .ToDictionary(p => p.GetProperty("partition").GetInt16(), p => p.GetProperty("owner").GetString()!);
    }

    /// <summary>Whether Orleans' membership table (in Redis, read directly: no silo needs to answer) lists the silo as dead.</summary>
    private static async Task<bool> IsDeadAsync(StackExchange.Redis.ConnectionMultiplexer redis, string cluster, int siloPort)
    {
        foreach (var entry in await redis.GetDatabase().HashGetAllAsync($"{cluster}/members/{cluster}"))
        {
            if (entry.Name == "Version")
            {
                continue;
            }

            using var member = JsonDocument.Parse(entry.Value.ToString());
            if (member.RootElement.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!.Contains($":{siloPort}@", StringComparison.Ordinal))
            {
                return member.RootElement.GetProperty("Status").GetInt32() == 6; // SiloStatus.Dead
            }
        }

        return false;
    }

    private static async Task<JsonElement?> ClusterViewAsync(Uri auth, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = auth, Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        try
        {
            return await http.GetFromJsonAsync<JsonElement>("/api/v1/admin/cluster", cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
