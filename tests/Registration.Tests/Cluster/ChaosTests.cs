using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registration.Tests.Cluster;

/// <summary>
/// 2,000 events while, at random, silo processes are killed (SIGKILL), frozen (SIGSTOP, then SIGCONT) or stopped
/// (SIGTERM), TodoConsumer processes are killed (SIGKILL), and the broker's connections are cut: afterwards exactly one
/// welcome todo per user, nothing PENDING, nothing dead-lettered. Replay a failure with CHAOS_SEED=&lt;the printed seed&gt;.
/// </summary>
[Collection(HeavyOrTimed.Name)]
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Events = 2000;
    private const int EventsPerTransaction = 25;
    private readonly List<ServiceProcess> _consumers = [];
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Random_kills_and_freezes_of_silos_kills_of_consumers_and_broker_cuts_lose_nothing_and_duplicate_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var replay) ? replay : Random.Shared.Next();
        var random = new Random(seed);
        Report($"chaos: seed {seed} (replay with CHAOS_SEED={seed})");

        _system.StartAuthApi(); // creates the outbox schema
        var silos = new List<ServiceProcess>(await Task.WhenAll(_system.StartSiloAsync(), _system.StartSiloAsync()));
        var starting = new List<Task>();
        _consumers.AddRange(await Task.WhenAll(_system.StartTodoConsumerProcessAsync(), _system.StartTodoConsumerProcessAsync()));

        var writing = WriteEventsAsync();
        var faults = new Dictionary<string, int>();
        // Every kind of fault once, in a random order, before any repeats: each run has kills, a freeze and a cut.
        var firstRound = new Queue<int>(Enumerable.Range(0, 5).OrderBy(_ => random.Next()));
        while (!writing.IsCompleted || firstRound.Count > 0)
        {
            await Task.Delay(random.Next(500, 1500));
            var kind = firstRound.Count > 0 ? firstRound.Dequeue() : random.Next(5);
            var fault = kind switch
            {
                0 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: true),
                1 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: false),
                2 when silos.Count > 1 => await FreezeSiloAsync(silos, starting, random),
                3 when _consumers.Count > 1 => await ReplaceConsumerAsync(starting, random),
                4 => await BrokerOutageAsync(random),
                _ => null, // not possible now (a replacement is still starting): tried again later
            };
            if (fault is null)
            {
                firstRound.Enqueue(kind);
                continue;
            }

            faults[fault] = faults.GetValueOrDefault(fault) + 1;
        }

        var users = await writing;
        await Task.WhenAll(starting);
        var drain = Stopwatch.StartNew();
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"),
            n => n == 0,
            $"no PENDING rows left (seed {seed})",
            TimeSpan.FromSeconds(60));
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events"),
            n => n == Events,
            $"all {Events} events processed (seed {seed})",
            TimeSpan.FromSeconds(60));
        var drained = drain.Elapsed;

        Report($"chaos: {Events} events, faults injected: {string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} x{f.Value}"))}; " +
               $"time to drain after the last fault: {drained.TotalSeconds:0.0} s");

        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"));
        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos"));
        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = ANY(@users)", new { users }));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        Assert.True(faults.Values.Sum() >= 5, $"expected several faults during the run, got {faults.Values.Sum()} (seed {seed})");
    }

    private async Task<Guid[]> WriteEventsAsync()
    {
        var writer = new OutboxWriter(Options.Create(new OutboxOptions()));
        var users = new List<Guid>();
        for (var written = 0; written < Events; written += EventsPerTransaction)
        {
            await using var connection = await _system.AuthDb.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            for (var i = 0; i < EventsPerTransaction; i++)
            {
                var user = Guid.CreateVersion7();
                var message = UserRegistered.Create(Guid.CreateVersion7(), DateTimeOffset.UtcNow, "chaos", user, $"{user:N}@example.com");
                await writer.AddAsync(connection, transaction, new OutboxMessage(message.EventId, message.EventType, user, JsonSerializer.Serialize(message, EventJson.Options), new Dictionary<string, string>()), CancellationToken.None);
                users.Add(user);
            }

            await transaction.CommitAsync();
            await Task.Delay(250); // about 25 s of writing: time for several faults, silos taking seconds to start
        }

        return [.. users];
    }

    /// <summary>
    /// A running silo killed (SIGKILL) or stopped (SIGTERM), and a new one started without waiting for it (a silo
    /// takes seconds to join): for a while only the others relay, as after a real crash. One is always left.
    /// </summary>
    private async Task<string?> ReplaceSiloAsync(List<ServiceProcess> silos, List<Task> starting, Random random, bool kill)
    {
        ServiceProcess victim;
        lock (silos)
        {
            victim = silos[random.Next(silos.Count)];
            silos.Remove(victim);
        }

        if (kill)
        {
            victim.Kill();
        }
        else
        {
            await victim.StopAsync();
        }

        starting.Add(StartReplacementAsync(silos));
        return kill ? "silo killed (SIGKILL)" : "silo stopped (SIGTERM)";
    }

    /// <summary>
    /// A running silo frozen for 2-12 s, then resumed: a freeze longer than the cluster's detection (several seconds) gets
    /// it declared dead, and it leaves the cluster when it resumes; it is then replaced. A shorter one is not noticed.
    /// </summary>
    private async Task<string?> FreezeSiloAsync(List<ServiceProcess> silos, List<Task> starting, Random random)
    {
        ServiceProcess victim;
        lock (silos)
        {
            victim = silos[random.Next(silos.Count)];
        }

        var frozen = TimeSpan.FromMilliseconds(random.Next(2000, 12000));
        victim.Freeze();
        await Task.Delay(frozen);
        victim.Thaw();
        try
        {
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(5), "declared dead while frozen");
        }
        catch (TimeoutException)
        {
            return "silo frozen, stayed (SIGSTOP/SIGCONT)";
        }

        lock (silos)
        {
            silos.Remove(victim);
        }

        starting.Add(StartReplacementAsync(silos));
        return "silo frozen, declared dead and replaced (SIGSTOP/SIGCONT)";
    }

    private async Task StartReplacementAsync(List<ServiceProcess> silos)
    {
        var silo = await _system.StartSiloAsync();
        lock (silos)
        {
            silos.Add(silo);
        }
    }

    /// <summary>A TodoConsumer process killed (SIGKILL: its unacked deliveries go back to the queue) and a new one started without waiting for it.</summary>
    private Task<string?> ReplaceConsumerAsync(List<Task> starting, Random random)
    {
        ServiceProcess victim;
        lock (_consumers)
        {
            victim = _consumers[random.Next(_consumers.Count)];
            _consumers.Remove(victim);
        }

        victim.Kill();
        starting.Add(StartConsumerAsync());
        return Task.FromResult<string?>("consumer killed (SIGKILL)");
    }

    private async Task StartConsumerAsync()
    {
        var consumer = await _system.StartTodoConsumerProcessAsync();
        lock (_consumers)
        {
            _consumers.Add(consumer);
        }
    }

    private async Task<string?> BrokerOutageAsync(Random random)
    {
        _system.BrokerProxy.Cut();
        await Task.Delay(random.Next(300, 1500));
        _system.BrokerProxy.Restore();
        return "broker connections cut (proxy)";
    }

    private void Report(string line)
    {
        output.WriteLine(line);
        var artifacts = Environment.GetEnvironmentVariable("TEST_ARTIFACTS");
        if (!string.IsNullOrEmpty(artifacts))
        {
            File.AppendAllText(Path.Combine(artifacts, "chaos-summary.txt"), line + Environment.NewLine);
        }
    }
}
