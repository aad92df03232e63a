using System.Text;
using Dapper;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Notifications;

/// <summary>The notification service's consumer against a real broker, database and silo: one notification per event, in order.</summary>
public sealed class NotificationConsumerTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Same_event_published_twice_gives_one_notification()
    {
        await _system.StartSiloAsync();
        _system.StartNotifications();
        var (registration, change, userId) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        await _system.PublishAsync(NotificationEvents.Registered(registration, userId));
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(change, userId, 1));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 2, "the welcome and the task notification");
        await _system.PublishAsync(NotificationEvents.Registered(registration, userId));
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(change, userId, 1));

        await Eventually.ReturnsAsync(() => _system.QueueDepthAsync(Topology.NotificationsQueue), n => n == 0, "the copies to be consumed");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2L, await _system.NotificationsAsync(userId));
        var texts = await TextsAsync(userId);
        Assert.Equal(["Welcome! Your account is ready.", "Todo \"Buy milk\" created."], texts);
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.NotificationsDeadLetterQueue));
    }

    public static TheoryData<string, string, string> PoisonMessages() => new()
    {
        { "not JSON", "this is not json", "not a valid JSON document" },
        { "not an object", "[1, 2, 3]", "not an event object" },
        { "no event type", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","version":1}""", "missing required fields: eventType" },
        { "unknown event type", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"TODO_ARCHIVED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"{{{Guid.NewGuid()}}}","todoId":"{{{Guid.NewGuid()}}}","title":"t","completed":false}}""", "unknown event type 'TODO_ARCHIVED'" },
        { "unknown version", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"TODO_CREATED","version":2,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"userId":"{{{Guid.NewGuid()}}}","todoId":"{{{Guid.NewGuid()}}}","title":"t","completed":false}}""", "unsupported version 2 of TODO_CREATED" },
        { "missing todo fields", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"TODO_UPDATED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","data":{"userId":"{{{Guid.NewGuid()}}}","completed":true}}""", "missing required fields: sequence, data.todoId, data.title" },
        { "missing user id", $$$"""{"eventId":"{{{Guid.NewGuid()}}}","eventType":"USER_REGISTERED","version":1,"occurredAt":"2026-01-01T00:00:00Z","correlationId":"c","sequence":1,"data":{"email":"a@example.com"}}""", "missing required fields: data.userId" },
        { "oversized", $$$"""{"pad":"{{{new string('x', 70 * 1024)}}}"}""", "exceeds the limit" },
    };

    [Theory]
    [MemberData(nameof(PoisonMessages))]
    public async Task Poison_is_dead_lettered_with_its_reason_and_the_next_good_event_is_applied(string description, string poison, string reason)
    {
        await _system.StartSiloAsync();
        _system.StartNotifications();
        var userId = Guid.NewGuid();

        await _system.PublishToAsync(Topology.Exchange, Topology.TodoCreatedRoutingKey, [Encoding.UTF8.GetBytes(poison)]);
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1));

        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, $"the good event behind the poison ({description}) to be applied");
        var deadLetter = Assert.Single(await Eventually.ReturnsAsync(
            () => _system.DrainAsync(Topology.NotificationsDeadLetterQueue), letters => letters.Count > 0, "the poison in notifications_queue.dlq"));
        Assert.Equal(poison, Encoding.UTF8.GetString(deadLetter.Body.Span));
        var recordedReason = Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-dead-letter-reason"]!);
        Assert.Contains(reason, recordedReason, StringComparison.Ordinal);
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Events_out_of_sequence_order_are_stored_in_sequence_order()
    {
        await _system.StartSiloAsync();
        _system.StartNotifications(("Consumer:RetryDelay", "00:00:00.100"));
        var userId = Guid.NewGuid();
        var todoId = Guid.NewGuid();

        await _system.PublishTodoAsync(
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 3, TodoChanged.Deleted, "Plan", true, todoId),
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 2, TodoChanged.Updated, "Plan", true, todoId),
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1, TodoChanged.Created, "Plan", false, todoId));

        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 3, "all three events applied");
        await using var connection = await _system.NotifyDb.OpenConnectionAsync();
        var sequences = (await connection.QueryAsync<long>("SELECT sequence FROM notifications WHERE user_id = @userId ORDER BY id", new { userId })).ToList();
        Assert.Equal([1L, 2L, 3L], sequences);
        Assert.Equal(["Todo \"Plan\" created.", "Todo \"Plan\" completed.", "Todo \"Plan\" deleted."], await TextsAsync(userId));
    }

    [Fact]
    public async Task An_event_after_a_gap_is_applied_after_the_gap_timeout_and_the_missing_one_arriving_late_is_still_stored_once()
    {
        await _system.StartSiloAsync(("Notifications:GapTimeout", "00:00:02"));
        _system.StartNotifications(("Consumer:RetryDelay", "00:00:00.200"), ("Notifications:GapTimeout", "00:00:02"));
        var userId = Guid.NewGuid();

        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, "the first event applied");
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 3, title: "After the gap"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1L, await _system.NotificationsAsync(userId)); // held back while it may still come

        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 2, "the event after the gap applied once the gap timed out");
        Assert.Equal(3L, await _system.NotifyScalarAsync<long>("SELECT last_sequence FROM notification_users WHERE user_id = @userId", new { userId }));

        // The missing event arriving after all is never lost: stored (out of order, logged), once, and the order moves no more.
        var late = NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 2, title: "Late");
        await _system.PublishTodoAsync(late, late);
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 3, "the late event stored");
        await Eventually.ReturnsAsync(() => _system.QueueDepthAsync(Topology.NotificationsQueue), n => n == 0, "both copies consumed");
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3L, await _system.NotificationsAsync(userId));
        Assert.Equal(3L, await _system.NotifyScalarAsync<long>("SELECT last_sequence FROM notification_users WHERE user_id = @userId", new { userId }));
    }

    [Fact]
    public async Task Events_wait_in_the_queue_while_the_service_is_killed_and_are_applied_on_restart()
    {
        await _system.StartSiloAsync();
        var service = await _system.StartNotificationsProcessAsync();
        var userId = Guid.NewGuid();
        await _system.PublishAsync(NotificationEvents.Registered(Guid.NewGuid(), userId));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, "the welcome while the service runs");

        service.Kill();
        await _system.PublishTodoAsync(
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1),
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 2, TodoChanged.Updated));
        // Both wait (and the welcome again, if the kill came between its commit and its ack: a duplicate then).
        await Eventually.ReturnsAsync(() => _system.QueueDepthAsync(Topology.NotificationsQueue), n => n >= 2, "both events waiting in the queue");
        Assert.Equal(1L, await _system.NotificationsAsync(userId));

        await _system.StartNotificationsProcessAsync();

        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 3, "the waiting events applied after the restart", TimeSpan.FromSeconds(60));
        await Eventually.ReturnsAsync(() => _system.QueueDepthAsync(Topology.NotificationsQueue), n => n == 0, "the queue drained");
        Assert.Equal(3L, await _system.NotificationsAsync(userId));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.NotificationsDeadLetterQueue));
    }

    private async Task<List<string>> TextsAsync(Guid userId)
    {
        await using var connection = await _system.NotifyDb.OpenConnectionAsync();
        return [.. await connection.QueryAsync<string>("SELECT text FROM notifications WHERE user_id = @userId ORDER BY id", new { userId })];
    }
}
