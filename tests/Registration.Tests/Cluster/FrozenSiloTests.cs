using System.Diagnostics;
using AuthApi.Features;
using Dapper;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registration.Tests.Cluster;

/// <summary>
/// Silo processes frozen (SIGSTOP, then SIGCONT) and killed (SIGKILL): a frozen silo holds nobody hostage, a short stall
/// is not mistaken for a death, and a partition whose silo died comes back by its reminder alone.
/// </summary>
[Collection(HeavyOrTimed.Name)]
public sealed class FrozenSiloTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What a failed silo may add to a registration's commit → welcome todo, beyond the time the cluster takes to declare it dead.</summary>
    public static readonly TimeSpan AfterDetection = TimeSpan.FromSeconds(3);

    private TestSystem _system = null!;
    private ClusterMembers _members = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _members = new ClusterMembers(_system.ClusterId);
    }

    public async Task DisposeAsync()
    {
        await _members.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task A_silo_frozen_for_30_s_under_load_delays_its_partitions_by_at_most_its_detection_plus_3_s_and_leaves_when_it_wakes()
    {
        _system.StartTodoConsumer();
        await _system.MigrateServiceDatabasesAsync(); // the notify outbox's relays need its tables (Notifications is not started here)
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _system.StartSiloAsync()));
        var api = _system.StartAuthApi(TestAdmin.Settings);
        var victim = await SiloWithMostPartitionsAsync(api.CreateClient().WithAdminKey(), silos);

        using var stop = new CancellationTokenSource();
        var registering = RegisterAsync(api.CreateClient(), stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var frozenAt = DateTime.UtcNow;
        victim.Freeze();
        var deadAt = await Eventually.ReturnsAsync(
            async () => await _members.StatusOfAsync(victim) == ClusterMembers.Dead ? DateTime.UtcNow : (DateTime?)null,
            d => d is not null,
            "the frozen silo to be declared dead",
            TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException();
        await Task.Delay(frozenAt + TimeSpan.FromSeconds(30) - DateTime.UtcNow);
        victim.Thaw();
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(30), "a silo that wakes up declared dead leaves the cluster");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        var registered = await registering;

        await WelcomeTodoDelays.AssertWithinAsync(_system, output, registered, deadAt, AfterDetection, $"frozen at {frozenAt:HH:mm:ss.fff}, declared dead {(deadAt - frozenAt).TotalSeconds:0.0} s later");
    }

    [Fact]
    public async Task A_silo_stalled_for_6_s_is_not_voted_dead_and_a_killed_one_is_declared_dead_within_3_s()
    {
        _system.StartAuthApi(); // creates the outbox schema
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _system.StartSiloAsync()));

        silos[0].Freeze();
        var stalled = Stopwatch.StartNew();
        while (stalled.Elapsed < TimeSpan.FromSeconds(6))
        {
            Assert.Equal(ClusterMembers.Active, await _members.StatusOfAsync(silos[0]));
            await Task.Delay(200);
        }

        silos[0].Thaw();
        await Task.Delay(TimeSpan.FromSeconds(5)); // votes cast during the stall would have taken effect by now
        Assert.Equal(ClusterMembers.Active, await _members.StatusOfAsync(silos[0]));
        Assert.True(silos[0].IsRunning, "the stalled silo is still running");

        silos[1].Kill();
        var killed = Stopwatch.StartNew();
        await Eventually.ReturnsAsync(() => _members.StatusOfAsync(silos[1]), s => s == ClusterMembers.Dead, "the killed silo to be declared dead", TimeSpan.FromSeconds(30));
        Assert.True(killed.Elapsed <= TimeSpan.FromSeconds(3), $"the killed silo was declared dead {killed.Elapsed.TotalSeconds:0.0} s after the kill");
    }

    [Fact]
    public async Task A_partition_whose_silo_is_killed_relays_again_by_its_reminder_alone()
    {
        var admin = _system.StartAuthApi(TestAdmin.Settings).CreateClient().WithAdminKey(); // no registration: nothing wakes a relay
        await _system.MigrateServiceDatabasesAsync(); // the todo and notify outboxes' relays need their tables (neither service is started here)
        var silos = await Task.WhenAll(_system.StartSiloAsync(), _system.StartSiloAsync());
        var owners = await PartitionOwners.SettledAsync(admin, silos.Length);
        var victim = silos[0];
        var partition = owners.First(o => o.Value.StartsWith(victim.SiloEndpoint, StringComparison.Ordinal)).Key;

        victim.Kill();
        var killedAt = DateTime.UtcNow;
        var row = await InsertRowAsync(partition); // no AuthApi wake: only the partition's reminder can bring its relay back

        // The bound: the death is detected within about 3 s, then the reminder (period Outbox:KeepAlivePeriod, 2 s here)
        // ticks on the survivor, which activates the relay and relays the row.
        var bound = TimeSpan.FromSeconds(3) + TimeSpan.FromSeconds(2) + TimeSpan.FromSeconds(3);
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE id = @row", new { row }),
            s => s == "SENT",
            $"partition {partition}'s row SENT by a relay its reminder brought back on the survivor",
            bound + TimeSpan.FromSeconds(20));
        var sentAfter = await _system.AuthScalarAsync<double>(
            "SELECT extract(epoch FROM sent_at - @killedAt)::float8 FROM outbox WHERE id = @row", new { row, killedAt });
        Assert.True(sentAfter <= bound.TotalSeconds, $"the row was SENT {sentAfter:0.0} s after the kill (bound {bound.TotalSeconds:0} s)");
    }

    private async Task<long> InsertRowAsync(short partition)
    {
        Guid userId;
        do
        {
            userId = Guid.NewGuid();
        }
        while (Registration.Messaging.Outbox.OutboxPartitioner.PartitionOf(userId, 16) != partition);

        var eventId = Guid.NewGuid();
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload)
            VALUES (@eventId, 'USER_REGISTERED', @userId, @partition, @payload::json) RETURNING id
            """,
            new { eventId, userId, partition, payload = System.Text.Encoding.UTF8.GetString(TestEvents.UserRegisteredBody(eventId, userId)) });
    }

    private static async Task<ServiceProcess> SiloWithMostPartitionsAsync(HttpClient admin, ServiceProcess[] silos)
    {
        var owners = await PartitionOwners.SettledAsync(admin, silos.Length);
        return silos.MaxBy(s => owners.Values.Count(o => o.StartsWith(s.SiloEndpoint, StringComparison.Ordinal)))!;
    }

    /// <summary>About 20 registrations a second until stopped.</summary>
    private static Task<List<Register.Response>> RegisterAsync(HttpClient http, CancellationToken stop) => Task.Run(async () =>
    {
        var registered = new List<Register.Response>();
        while (!stop.IsCancellationRequested)
        {
            var pace = Task.Delay(100);
            registered.AddRange(await Task.WhenAll(http.RegisterOkAsync(), http.RegisterOkAsync()));
            await pace;
        }

        return registered;
    });
}
