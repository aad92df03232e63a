using System.Text;
using Dapper;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Consumer;

/// <summary>
/// Poison reaches the dead-letter queue whatever route brought it, a dead letter the broker cannot take never
/// stalls a worker, and no message stays unacked.
/// </summary>
public sealed class DeadLetterRoutingTests : IAsyncLifetime
{
    private const string Poison = "not a USER_REGISTERED event";

    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Poison_published_through_the_default_exchange_is_dead_lettered_and_acked()
    {
        await _system.StartSiloAsync();
        _system.StartTodoConsumer();
        var good = Good();

        await _system.PublishToAsync("", Topology.UserRegisteredQueue, Many(Poison, 12));
        await _system.PublishAsync(good.Body);

        await AssertDeadLetteredAsync(12, good);
    }

    [Fact]
    public async Task Poison_published_through_the_events_exchange_with_another_routing_key_is_dead_lettered_and_acked()
    {
        await _system.StartSiloAsync();
        const string manualKey = "user.registered.manual";
        await using (var connection = await _system.ConnectBrokerAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueBindAsync(Topology.UserRegisteredQueue, Topology.Exchange, manualKey);
        }

        _system.StartTodoConsumer();
        var good = Good();

        await _system.PublishToAsync(Topology.Exchange, manualKey, Many(Poison, 12));
        await _system.PublishAsync(good.Body);

        await AssertDeadLetteredAsync(12, good);
    }

    [Fact]
    public async Task Dead_letter_that_the_broker_cannot_route_is_retried_without_losing_a_worker_and_lands_once_the_queue_is_reachable()
    {
        await _system.StartSiloAsync();
        var host = _system.StartTodoConsumer(("Consumer:Concurrency", "2"));
        using var consumed = new MetricsProbe(host.Services);
        var http = host.CreateClient();
        await Eventually.TrueAsync(
            async () => (await http.GetStringAsync("/health/ready")).Contains("\"consumer\":\"connected\"", StringComparison.Ordinal), "the consumer to connect");
        await UnbindDeadLetterQueueAsync();

        // More poison than there are appliers: with the old behaviour each one stopped a worker for good.
        await _system.PublishToAsync("", Topology.UserRegisteredQueue, Many(Poison, 6), declareTopology: false);
        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "dead_letter_failed")),
            n => n >= 6, "every poison message to fail its dead-lettering at least once");
        var goodWhileUnroutable = Good();
        await _system.PublishToAsync(Topology.Exchange, Topology.UserRegisteredRoutingKey, [goodWhileUnroutable.Body], declareTopology: false);
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(goodWhileUnroutable.UserId), n => n == 1, "a good message to be applied while the poison keeps failing");
        Assert.Equal(0u, await DeadLetterDepthAsync());
        Assert.Contains(host.Logs.Entries, e => e.Message.Contains("could not be dead-lettered", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Entries, e => e.Message.Contains("applier failed", StringComparison.Ordinal));

        // Declaring the topology binds the dead-letter queue again.
        await (await _system.ConnectBrokerAsync()).DisposeAsync();

        var goodAfter = Good();
        await _system.PublishAsync(goodAfter.Body);
        await AssertDeadLetteredAsync(6, goodAfter);
        Assert.Equal(2L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"));
    }

    [Fact]
    public async Task Event_without_a_sequence_is_applied_once_and_copies_of_a_real_event_are_duplicates()
    {
        await _system.StartSiloAsync();
        using var consumed = new MetricsProbe(_system.StartTodoConsumer().Services);
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        var withSequence = TestEvents.UserRegisteredBody(eventId, userId);
        var withoutSequence = WithoutSequence(withSequence);

        await _system.PublishAsync(withoutSequence);
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(userId), n => n == 1, "the event without a sequence to create the todo");
        await _system.PublishAsync(withSequence, withoutSequence);

        // Every copy settled: the first applied, the others duplicates. Under load the first one's answer may come too late for
        // the consumer, which then requeues it and settles it as a duplicate; so the database is what counts.
        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "applied") + consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate")),
            n => n == 3, "the three copies to be settled, applied or duplicate");
        Assert.InRange(consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate"), 2L, 3L);
        Assert.Equal(1L, await WelcomeTodosAsync(userId));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @userId", new { userId }));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        await using var connection = await _system.TodoDb.OpenConnectionAsync();
        Assert.Null(await connection.ExecuteScalarAsync<long?>("SELECT sequence FROM processed_events WHERE event_id = @eventId", new { eventId }));
    }

    private async Task AssertDeadLetteredAsync(int poison, (Guid EventId, Guid UserId, byte[] Body) good)
    {
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(good.UserId), n => n == 1, "the good message behind the poison to be applied");
        var letters = await Eventually.ReturnsAsync(
            () => _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue), n => n >= poison, $"{poison} poison messages in the dead-letter queue");
        Assert.Equal((uint)poison, letters);
        await Eventually.ReturnsAsync(
            () => RabbitManagement.UnackedAsync(_system.VirtualHost, Topology.UserRegisteredQueue), n => n == 0, "no message left unacked");
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));
        var deadLetter = (await _system.DrainAsync(Topology.UserRegisteredDeadLetterQueue))[0];
        Assert.Equal(Poison, Encoding.UTF8.GetString(deadLetter.Body.Span));
        Assert.Contains("not a valid JSON document", Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-dead-letter-reason"]!), StringComparison.Ordinal);
    }

    private async Task<uint> DeadLetterDepthAsync()
    {
        await using var connection = await _system.ConnectBrokerAsync(declareTopology: false);
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(Topology.UserRegisteredDeadLetterQueue)).MessageCount;
    }

    private async Task UnbindDeadLetterQueueAsync()
    {
        await using var connection = await _system.ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueUnbindAsync(Topology.UserRegisteredDeadLetterQueue, Topology.DeadLetterExchange, Topology.AnyRoutingKey);
    }

    private static (Guid EventId, Guid UserId, byte[] Body) Good()
    {
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        return (eventId, userId, TestEvents.UserRegisteredBody(eventId, userId));
    }

    private static byte[][] Many(string body, int count) => [.. Enumerable.Repeat(TestEvents.Utf8(body), count)];

    private static byte[] WithoutSequence(byte[] body)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        Assert.True(json.Remove("sequence"), "the event as written has a sequence");
        return Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    private Task<long> WelcomeTodosAsync(Guid userId) =>
        _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId AND title = 'Welcome to the App'", new { userId });
}
