using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Consumer;

/// <summary>TodoConsumer's consumer against a real broker and database: idempotency, outages, poison.</summary>
public sealed class WelcomeTodoConsumerTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Messages_wait_in_the_queue_while_the_todo_consumer_is_down_and_are_consumed_when_it_starts()
    {
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartSiloAsync();
        var registered = await http.RegisterOkAsync();
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE event_id = @id", new { id = registered.EventId }),
            status => status == "SENT", "the event to be relayed");
        Assert.Equal(1u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));

        _system.StartTodoConsumer();

        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(registered.UserId), n => n == 1, "the waiting message to create the welcome todo");
        await Eventually.ReturnsAsync(() => _system.QueueDepthAsync(Topology.UserRegisteredQueue), n => n == 0, "the queue to be empty");
    }

    [Fact]
    public async Task Todo_service_without_a_reachable_silo_consumes_nothing_and_loses_nothing_until_one_starts()
    {
        var host = _system.StartTodoConsumer();
        var users = Enumerable.Range(0, 3).Select(_ => (EventId: Guid.NewGuid(), UserId: Guid.NewGuid())).ToList();
        await _system.PublishAsync(users.Select(u => TestEvents.UserRegisteredBody(u.EventId, u.UserId)).ToArray());

        // Readiness says why, and the messages stay ready in the queue (none taken and held unacked).
        var http = host.CreateClient();
        await Eventually.TrueAsync(
            async () => (await http.GetStringAsync("/health/ready")).Contains("connecting to the cluster", StringComparison.Ordinal), "readiness to report the cluster connection");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(3u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));

        await _system.StartSiloAsync();

        await Eventually.ReturnsAsync(() => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"), n => n == 3, "every waiting message applied once a silo runs");
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Silo_killed_while_the_consumer_runs_loses_nothing_and_dead_letters_nothing()
    {
        var silo = await _system.StartSiloAsync();
        _system.StartTodoConsumer();
        var before = (EventId: Guid.NewGuid(), UserId: Guid.NewGuid());
        await _system.PublishAsync(TestEvents.UserRegisteredBody(before.EventId, before.UserId));
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(before.UserId), n => n == 1, "the todo while the silo runs");

        silo.Kill();
        var during = Enumerable.Range(0, 5).Select(_ => (EventId: Guid.NewGuid(), UserId: Guid.NewGuid())).ToList();
        await _system.PublishAsync(during.Select(u => TestEvents.UserRegisteredBody(u.EventId, u.UserId)).ToArray());
        await Task.Delay(TimeSpan.FromSeconds(3)); // deliveries fail meanwhile: requeued, never dead-lettered
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));

        await _system.StartSiloAsync();

        await Eventually.ReturnsAsync(() => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"), n => n == 6, "every message applied on the new silo", TimeSpan.FromSeconds(60));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Same_event_delivered_twice_creates_one_todo()
    {
        await _system.StartSiloAsync();
        using var consumed = new MetricsProbe(_system.StartTodoConsumer().Services);
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());

        await _system.PublishAsync(TestEvents.UserRegisteredBody(eventId, userId));
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(userId), n => n == 1, "the first delivery to create the todo");
        await _system.PublishAsync(TestEvents.UserRegisteredBody(eventId, userId));

        await WaitUntilSettledAsync(consumed, 2);
        Assert.Equal(1L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "applied"));
        Assert.Equal(1L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate"));
        Assert.Equal(1L, await WelcomeTodosAsync(userId));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @eventId", new { eventId }));
    }

    [Fact]
    public async Task Same_event_delivered_many_times_at_once_creates_one_todo()
    {
        await _system.StartSiloAsync();
        using var consumed = new MetricsProbe(_system.StartTodoConsumer(("Consumer:Concurrency", "8")).Services);
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        var body = TestEvents.UserRegisteredBody(eventId, userId);

        await _system.PublishAsync(Enumerable.Repeat(body, 20).ToArray());

        await WaitUntilSettledAsync(consumed, 20);
        Assert.Equal(1L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "applied"));
        Assert.Equal(19L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate"));
        Assert.Equal(1L, await WelcomeTodosAsync(userId));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Handler_run_concurrently_on_the_same_event_creates_one_todo()
    {
        await _system.StartSiloAsync();
        var host = _system.StartTodoConsumer(("Consumer:Enabled", "false"));
        var handler = host.Services.GetRequiredService<IMessageHandler<TodoConsumer.Welcome.UserMessage>>();
        await handler.WaitUntilReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        var body = TestEvents.UserRegisteredBody(eventId, userId);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () => Assert.Single(await handler.ApplyAsync([handler.Read(body)], CancellationToken.None)))));

        Assert.Equal(1, outcomes.Count(o => o == MessageOutcome.Applied));
        Assert.Equal(15, outcomes.Count(o => o == MessageOutcome.Duplicate));
        Assert.Equal(1L, await WelcomeTodosAsync(userId));
    }

    public static TheoryData<string, string, string> PoisonMessages() => new()
    {
        { "not JSON", "this is not json", "not a valid JSON document" },
        { "JSON of the wrong shape", "[1, 2, 3]", "not an event object" },
        { "unknown event type", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_DELETED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"{{{Guid.NewGuid()}}}","email":"a@example.com"}}""", "unknown event type 'USER_DELETED'" },
        { "unknown version", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_REGISTERED","version":2,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"{{{Guid.NewGuid()}}}","email":"a@example.com"}}""", "unsupported version 2" },
        { "missing data", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_REGISTERED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1}""", "missing required fields: data" },
        { "missing user id", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_REGISTERED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"email":"a@example.com"}}""", "missing required fields: data.userId" },
        { "missing event id", """{"eventType":"USER_REGISTERED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"6f1c1b0e-6a39-4d5e-9a39-1f7f4f1d2a10","email":"a@example.com"}}""", "missing required fields: eventId" },
        { "user id not a GUID", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_REGISTERED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"42","email":"a@example.com"}}""", "not a valid USER_REGISTERED JSON document" },
        { "oversized", $$$"""{"pad":"{{{new string('x', 70 * 1024)}}}"}""", "exceeds the limit" },
    };

    [Theory]
    [MemberData(nameof(PoisonMessages))]
    public async Task Poison_message_is_dead_lettered_with_its_reason_and_the_next_message_flows(string description, string poison, string reason)
    {
        await _system.StartSiloAsync();
        _system.StartTodoConsumer();
        var good = (EventId: Guid.NewGuid(), UserId: Guid.NewGuid());

        await _system.PublishAsync(Encoding.UTF8.GetBytes(poison), TestEvents.UserRegisteredBody(good.EventId, good.UserId));

        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(good.UserId), n => n == 1, $"the good message behind the poison ({description}) to be processed");
        var deadLetter = Assert.Single(await Eventually.ReturnsAsync(
            () => _system.DrainAsync(Topology.UserRegisteredDeadLetterQueue), letters => letters.Count > 0, "the poison message in the dead-letter queue"));
        Assert.Equal(poison, Encoding.UTF8.GetString(deadLetter.Body.Span));
        var recordedReason = Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-dead-letter-reason"]!);
        Assert.Contains(reason, recordedReason, StringComparison.Ordinal);
        Assert.True(deadLetter.BasicProperties.Headers.ContainsKey("x-dead-lettered-at"));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"));
    }

    [Fact]
    public async Task Message_that_keeps_failing_is_dead_lettered_after_bounded_retries()
    {
        await _system.StartSiloAsync();
        _system.StartTodoConsumer(("Consumer:MaxDeliveries", "3"));
        await using (var connection = await _system.TodoDb.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                CREATE FUNCTION reject_todos() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'todos are refused today'; END $$;
                CREATE TRIGGER reject_todos BEFORE INSERT ON todos FOR EACH ROW EXECUTE FUNCTION reject_todos();
                """;
            await command.ExecuteNonQueryAsync();
        }

        await _system.PublishAsync(TestEvents.UserRegisteredBody(Guid.NewGuid(), Guid.NewGuid()));

        var deadLetter = Assert.Single(await Eventually.ReturnsAsync(
            () => _system.DrainAsync(Topology.UserRegisteredDeadLetterQueue), letters => letters.Count > 0, "the failing message to be dead-lettered"));
        var reason = Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-dead-letter-reason"]!);
        Assert.Contains("failed 3 times", reason, StringComparison.Ordinal);
        Assert.Contains("todos are refused today", reason, StringComparison.Ordinal);
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events"));
    }

    [Fact]
    public async Task Database_outage_is_retried_never_dead_lettered_and_nothing_is_lost()
    {
        await _system.StartSiloAsync();
        _system.StartTodoConsumer();
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());

        _system.TodoDatabaseProxy.Cut();
        await _system.PublishAsync(TestEvents.UserRegisteredBody(eventId, userId));
        await Task.Delay(TimeSpan.FromSeconds(3)); // several delivery attempts fail meanwhile
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        _system.TodoDatabaseProxy.Restore();

        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(userId), n => n == 1, "the todo once the database is back");
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Consumer_reconnects_after_losing_the_broker_and_consumes_what_arrived_meanwhile()
    {
        await _system.StartSiloAsync();
        var host = _system.StartTodoConsumer();
        var http = host.CreateClient();
        await Eventually.TrueAsync(async () => (await http.GetStringAsync("/health/ready")).Contains("\"consumer\":\"connected\"", StringComparison.Ordinal), "the consumer to connect");

        _system.BrokerProxy.Cut();
        var users = Enumerable.Range(0, 3).Select(_ => (EventId: Guid.NewGuid(), UserId: Guid.NewGuid())).ToList();
        await _system.PublishAsync(users.Select(u => TestEvents.UserRegisteredBody(u.EventId, u.UserId)).ToArray());
        await Eventually.TrueAsync(async () => (await http.GetStringAsync("/health/ready")).Contains("disconnected", StringComparison.Ordinal), "readiness to report the broker loss");
        _system.BrokerProxy.Restore();

        await Eventually.ReturnsAsync(() => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"), n => n == 3, "the backlog to be consumed after reconnecting");
    }

    private Task<long> WelcomeTodosAsync(Guid userId) =>
        _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId AND title = 'Welcome to the App'", new { userId });

    private async Task WaitUntilSettledAsync(MetricsProbe consumed, int messages)
    {
        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "applied", "duplicate")),
            n => n >= messages,
            $"{messages} messages to be handled and acked");
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));
    }
}
