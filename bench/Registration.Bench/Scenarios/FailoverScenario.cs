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
/// the silo that hosts the most relay partitions (AuthApi's GET /api/v1/admin/cluster) is killed with SIGKILL.
/// Measured from the outbox rows themselves: the longest pause in publishing of the killed silo's partitions, and
/// the time until every row committed before the kill is SENT.
/// </summary>
internal sealed class FailoverScenario : IScenario
{
    private const int Silos = 3;
    private const double PerSecond = 200;
    private const string AdminKey = "bench-admin-key";
    private static readonly TimeSpan BeforeKill = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AfterKill = TimeSpan.FromSeconds(20);

    public string Key => "failover";

    public string Title => "4b. Failover of the silo with the most relay partitions";

    public string Description =>
        $"{Silos} silos, AuthApi and TodoConsumer as processes; once the 16 relay partitions are spread over the silos (AuthApi's `GET /api/v1/admin/cluster`), " +
        $"{PerSecond:0} registrations/s are offered open loop for {(BeforeKill + AfterKill).TotalSeconds:0} s and, {BeforeKill.TotalSeconds:0} s in, the silo hosting the most partitions is killed (SIGKILL). " +
        "Gap = for each of its partitions, first `sent_at` after the kill − last `sent_at` before it; the figure is the longest. " +
        "All SENT = from the kill until the last row created before the kill was SENT. The registrations leave out the password hash (`Workload/DirectRegistrations.cs`: the user row and its event in one transaction, then AuthApi's `RelayWake`), as in scenario 3: on a 2-core machine BCrypt admits only about 25 a second. " +
        "Wolverine and CAP have no counterpart (their relay is not partitioned over a cluster): ours only.";

    public IReadOnlyList<FigureSpec> Figures { get; } =
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

            var owners = await Wait.UntilAsync(() => PartitionOwnersAsync(auth.BaseAddress, cancellationToken),
                o => o.Count == 16 && silos.All(s => o.Values.Any(owner => owner.Contains($":{s.Port}:", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(60), $"16 relay partitions spread over the {Silos} silos", TimeSpan.FromMilliseconds(500), cancellationToken);
            var victim = silos.MaxBy(s => owners.Values.Count(owner => owner.Contains($":{s.Port}:", StringComparison.Ordinal)));
            var partitions = owners.Where(o => o.Value.Contains($":{victim.Port}:", StringComparison.Ordinal)).Select(o => o.Key).ToArray();
            m["Partitions on the killed silo"] = partitions.Length;

            await using var writer = await DirectRegistrations.ConnectAsync(sandbox.AuthDb, context.ClusterEnvironment(sandbox), cancellationToken);
            Progress.Say($"  {PerSecond:0} registrations/s offered; killing the silo with {partitions.Length} partitions after {BeforeKill.TotalSeconds:0} s");
            var loading = writer.OpenLoopAsync($"failover{run}", PerSecond, BeforeKill + AfterKill, cancellationToken);
            await Task.Delay(BeforeKill, cancellationToken);
            var killedAt = DateTimeOffset.UtcNow;
            await victim.Process.KillAsync();
            var registrations = await loading;
            var loadEnded = Stopwatch.StartNew();
            await Wait.UntilAsync(() => sandbox.AuthScalarAsync("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0,
                TimeSpan.FromSeconds(120), "every outbox row SENT after the failover", TimeSpan.FromMilliseconds(50), cancellationToken);
            m["Load end → no PENDING row (s)"] = loadEnded.Elapsed.TotalSeconds;
            var created = registrations.Count(r => r.EventId is not null);
            m["Registrations committed per second"] = created / (BeforeKill + AfterKill).TotalSeconds;
            await RecordGapsAsync(sandbox, partitions, killedAt, m, cancellationToken);
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

    private static async Task RecordGapsAsync(Sandbox sandbox, short[] partitions, DateTimeOffset killedAt, Measurements m, CancellationToken cancellationToken)
    {
        await using var connection = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken);
        var gaps = (await connection.QueryAsync<(short Partition, double? Seconds)>(
            """
            SELECT partition,
                   extract(epoch FROM min(sent_at) FILTER (WHERE sent_at > @killedAt) - max(sent_at) FILTER (WHERE sent_at <= @killedAt))::float8
            FROM outbox WHERE partition = ANY(@partitions) GROUP BY partition
            """, new { partitions, killedAt })).ToList();
        m["failover.gap"] = gaps.Max(g => g.Seconds ?? double.NaN);
        m["Killed silo's partitions: first publish after the kill, latest (s after the kill)"] = await connection.ExecuteScalarAsync<double>(
            """
            SELECT max(first) FROM (
                SELECT extract(epoch FROM min(sent_at) - @killedAt)::float8 AS first
                FROM outbox WHERE partition = ANY(@partitions) AND sent_at > @killedAt GROUP BY partition) resumed
            """, new { partitions, killedAt });
        m["failover.sent"] = Math.Max(0, await connection.ExecuteScalarAsync<double>(
            "SELECT coalesce(extract(epoch FROM max(sent_at) - @killedAt)::float8, 0) FROM outbox WHERE created_at <= @killedAt", new { killedAt }));
        // Cluster-wide: the other silos' partitions go on publishing through the failover.
        var sent = (await connection.QueryAsync<DateTime>("SELECT DISTINCT sent_at FROM outbox WHERE sent_at IS NOT NULL ORDER BY sent_at")).ToList();
        m["Longest pause between consecutive publishes, all partitions (s)"] = sent.Zip(sent.Skip(1), (a, b) => (b - a).TotalSeconds).DefaultIfEmpty(double.NaN).Max();
    }

    private static async Task<Dictionary<short, string>> PartitionOwnersAsync(Uri auth, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = auth, Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
        try
        {
            var view = await http.GetFromJsonAsync<JsonElement>("/api/v1/admin/cluster", cancellationToken);
            return view.GetProperty("partitions").EnumerateArray()
                .Where(p => p.GetProperty("live").GetBoolean() && p.GetProperty("owner").ValueKind == JsonValueKind.String)
                .ToDictionary(p => p.GetProperty("partition").GetInt16(), p => p.GetProperty("owner").GetString()!);
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }
}
