using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Registration.Tests.Cluster;

/// <summary>
/// 2,000 events while silos (SIGKILL or SIGTERM), consumers and the broker are killed and restarted at random: afterwards
/// exactly one welcome todo per user, nothing PENDING, nothing dead-lettered. Replay a failure with
/// CHAOS_SEED=&lt;the printed seed&gt;.
/// </summary>
[Collection(HeavyOrTimed.Name)]
public sealed class ChaosTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Events = 2000;
    private const int EventsPerTransaction = 25;
    private readonly List<ServiceHost<TodoConsumer.Program>> _consumers = [];
    private readonly List<MetricsProbe> _probes = [];
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Random_kills_of_silos_consumers_and_the_broker_lose_nothing_and_duplicate_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("CHAOS_SEED"), out var replay) ? replay : Random.Shared.Next();
        var random = new Random(seed);
        Report($"chaos: seed {seed} (replay with CHAOS_SEED={seed})");

        _system.StartAuthApi(); // creates the outbox schema
        var silos = new List<ServiceProcess>(await Task.WhenAll(_system.StartSiloAsync(), _system.StartSiloAsync()));
        var starting = new List<Task>();
        StartConsumer();
        StartConsumer();

        var writing = WriteEventsAsync();
        var faults = new Dictionary<string, int>();
        while (!writing.IsCompleted)
        {
            await Task.Delay(random.Next(500, 1500));
            var fault = random.Next(4) switch
            {
                0 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: true),
                1 when silos.Count > 1 => await ReplaceSiloAsync(silos, starting, random, kill: false),
                2 => await ReplaceConsumerAsync(random),
                _ => await BrokerOutageAsync(random),
            };
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

        var duplicates = _probes.Sum(p => p.Sum(ConsumerMetrics.MessagesInstrument, "duplicate"));
        Report($"chaos: {Events} events, faults injected: {string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} x{f.Value}"))}; " +
               $"duplicates absorbed: {duplicates}; time to drain after the last fault: {drained.TotalSeconds:0.0} s");

        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"));
        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos"));
        Assert.Equal((long)Events, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = ANY(@users)", new { users }));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        Assert.True(faults.Values.Sum() >= 4, $"expected several faults during the run, got {faults.Values.Sum()} (seed {seed})");
        foreach (var probe in _probes)
        {
            probe.Dispose();
        }
    }

    private void StartConsumer()
    {
        var consumer = _system.StartTodoConsumer(TestAdmin.Settings);
        _consumers.Add(consumer);
        _probes.Add(new MetricsProbe(consumer.Services));
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
    private async Task<string> ReplaceSiloAsync(List<ServiceProcess> silos, List<Task> starting, Random random, bool kill)
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
        return kill ? "silo killed" : "silo stopped";
    }

    private async Task StartReplacementAsync(List<ServiceProcess> silos)
    {
        var silo = await _system.StartSiloAsync();
        lock (silos)
        {
            silos.Add(silo);
        }
    }

    private async Task<string> ReplaceConsumerAsync(Random random)
    {
        var victim = _consumers[random.Next(_consumers.Count)];
        _consumers.Remove(victim);
        await victim.KillAsync();
        StartConsumer();
        return "consumer killed";
    }

    private async Task<string> BrokerOutageAsync(Random random)
    {
        _system.BrokerProxy.Cut();
        await Task.Delay(random.Next(300, 1500));
        _system.BrokerProxy.Restore();
        return "broker down";
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
