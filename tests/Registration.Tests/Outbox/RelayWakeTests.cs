using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Registration.Messaging.Membership;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Outbox;

/// <summary>
/// How the relay learns of a new row: the registering instance wakes its own relay as soon as its
/// transaction commits (when it holds the row's partition); the NOTIFY reaches every other relay.
/// </summary>
public sealed class RelayWakeTests : IAsyncLifetime
{
    private const int SignalStop = 19;
    private const int SignalContinue = 18;
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task A_commit_wakes_the_lane_of_a_held_partition_and_no_other()
    {
        _system.StartAuthApi(("Outbox:RelayEnabled", "false")); // creates the schema
        var options = Options.Create(new OutboxOptions { Partitions = 4, Lanes = 2 });
        var leases = new PartitionLeases(_system.AuthDb, new InstanceIdentity("wake-test", [PartitionLeases.RelayWorker]), options, Options.Create(new MembershipOptions()));
        var signal = new OutboxSignal(_system.AuthDb, leases, options, NullLogger<OutboxSignal>.Instance);
        var longPoll = TimeSpan.FromMinutes(1);

        signal.Committed(1); // no partition held yet
        var unheld = signal.WaitAsync(1, longPoll, CancellationToken.None);
        Assert.NotSame(unheld, await Task.WhenAny(unheld, Task.Delay(TimeSpan.FromMilliseconds(500))));

        await leases.RefreshAsync(CancellationToken.None);
        Assert.True(leases.Holds(1), "the test relay should hold every partition of an otherwise empty cluster");
        signal.Committed(1);
        Assert.Same(unheld, await Task.WhenAny(unheld, Task.Delay(TimeSpan.FromSeconds(10))));

        var otherLane = signal.WaitAsync(0, longPoll, CancellationToken.None);
        Assert.NotSame(otherLane, await Task.WhenAny(otherLane, Task.Delay(TimeSpan.FromMilliseconds(500))));
    }

    [Fact]
    public async Task Registrations_are_relayed_at_once_while_the_relays_LISTEN_connection_is_stalled()
    {
        // The slowest fallback poll, so a registration relayed by the poll would take up to a second.
        var http = _system.StartAuthApi(("Outbox:PollInterval", "00:00:01")).CreateClient();
        var first = await http.RegisterOkAsync();
        await Eventually.ReturnsAsync(() => StatusAsync(first.EventId), s => s == "SENT", "the first registration to be relayed");

        var listener = await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<int?>(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN outbox_pending'"),
            pid => pid is not null,
            "the relay's LISTEN connection");
        Assert.Equal(0, kill(listener!.Value, SignalStop));
        try
        {
            var delays = new List<double>();
            for (var i = 0; i < 10; i++)
            {
                var registered = await http.RegisterOkAsync();
                await Eventually.ReturnsAsync(() => StatusAsync(registered.EventId), s => s == "SENT", "a registration to be relayed while LISTEN is stalled");
                delays.Add(await _system.AuthScalarAsync<double>(
                    "SELECT extract(epoch FROM sent_at - created_at) * 1000 FROM outbox WHERE event_id = @id", new { id = registered.EventId }));
            }

            // Relayed by the 1 s poll, a registration would be claimed within 200 ms of its creation one time in
            // five, so eight of ten that fast would happen by chance about once in 10,000 runs.
            var fast = delays.Count(ms => ms < 200);
            Assert.True(fast >= 8, $"only {fast} of 10 registrations were claimed within 200 ms while LISTEN was stalled: [{string.Join(", ", delays.Select(d => $"{d:0}"))}] ms");
        }
        finally
        {
            kill(listener.Value, SignalContinue);
        }
    }

    private Task<string> StatusAsync(Guid eventId) =>
        _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE event_id = @eventId", new { eventId });

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
