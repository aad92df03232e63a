using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Todos;

/// <summary>
/// Task events through the todo database's own outbox, relayed by the silos like the auth outbox: every change of a
/// todo (the welcome todo included) commits one event with it, numbered per user with no gap, published with its routing
/// key in commit order; a change made while the broker is away answers as usual, and its event leaves, and its
/// notification appears, when the broker returns.
/// </summary>
public sealed class TaskEventTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private HttpClient _auth = null!;
    private ServiceHost<TodoConsumer.Program> _todos = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApi().CreateClient();
        _todos = _system.StartTodoConsumer(); // first: it migrates the todo database, outbox included
        await _system.StartRelayingSiloAsync();
        await _todos.WaitClusterConnectedAsync();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Every_todo_change_publishes_one_event_in_commit_order_with_a_gap_free_sequence()
    {
        var audit = await _system.BindAuditQueueAsync();
        var (alice, userId, email) = await SignInAsync();
        await Eventually.ReturnsAsync(() => TodoEventCountAsync(userId), n => n == 1, "the welcome todo's TODO_CREATED");

        var correlation = $"task-events-{Guid.NewGuid():N}";
        alice.DefaultRequestHeaders.Add("x-correlation-id", correlation);
        var todo = (await (await alice.PostAsJsonAsync("/api/v1/todos", new { title = "Buy milk" })).Content.ReadFromJsonAsync<Todo>())!;
        Assert.Equal(HttpStatusCode.OK, (await alice.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { completed = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/todos/{todo.Id}")).StatusCode);
        // Changes that find no todo change nothing and announce nothing.
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { completed = false })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync($"/api/v1/todos/{todo.Id}")).StatusCode);

        await Eventually.ReturnsAsync(() => PendingTodoEventsAsync(), n => n == 0, "every task event SENT");
        Assert.Equal(4L, await TodoEventCountAsync(userId));
        var published = await Eventually.ReturnsAsync(
            async () => (await _system.DrainAsync(audit)).Where(m => m.RoutingKey.StartsWith("todo.", StringComparison.Ordinal)).ToList(),
            messages => messages.Count == 4,
            "the four task events on the exchange",
            TimeSpan.FromSeconds(5));

        Assert.Equal(["todo.created", "todo.created", "todo.updated", "todo.deleted"], published.Select(m => m.RoutingKey));
        var events = published.Select(m => JsonSerializer.Deserialize<TodoChanged>(m.Body.Span, EventJson.Options)!).ToList();
        Assert.Equal([1L, 2L, 3L, 4L], events.Select(e => e.Sequence));
        Assert.Equal([TodoChanged.Created, TodoChanged.Created, TodoChanged.Updated, TodoChanged.Deleted], events.Select(e => e.EventType));
        Assert.All(events, e => Assert.Equal(TodoChanged.CurrentVersion, e.Version));
        Assert.All(events, e => Assert.Equal(userId, e.Data.UserId));
        Assert.Equal(Todo.WelcomeTitle, events[0].Data.Title);
        Assert.Equal(new TodoChangedData(userId, todo.Id, "Buy milk", false), events[1].Data);
        Assert.Equal(new TodoChangedData(userId, todo.Id, "Buy milk", true), events[2].Data);
        Assert.Equal(new TodoChangedData(userId, todo.Id, "Buy milk", true), events[3].Data); // the todo as it was
        Assert.All(events[1..], e => Assert.Equal(correlation, e.CorrelationId));
        Assert.All(events, e => Assert.True(e.OccurredAt > DateTimeOffset.UtcNow.AddMinutes(-5), $"occurredAt {e.OccurredAt:O} is the commit's time"));

        // The AMQP envelope as for every event, and nothing but the contract's fields in the body: never an email or a secret.
        for (var i = 0; i < published.Count; i++)
        {
            var message = published[i];
            Assert.Equal(events[i].EventId.ToString(), message.BasicProperties.MessageId);
            Assert.Equal(events[i].EventType, message.BasicProperties.Type);
            Assert.Equal("application/json", message.BasicProperties.ContentType);
            Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
            var body = Encoding.UTF8.GetString(message.Body.Span);
            Assert.DoesNotContain(email, body, StringComparison.OrdinalIgnoreCase);
            using var document = JsonDocument.Parse(body);
            Assert.Equal(["correlationId", "data", "eventId", "eventType", "occurredAt", "sequence", "version"], document.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            Assert.Equal(["completed", "title", "todoId", "userId"], document.RootElement.GetProperty("data").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        }

        Assert.Equal(correlation, MessageHeaders.Text(published[1].BasicProperties.Headers, MessageHeaders.CorrelationId));
    }

    [Fact]
    public async Task A_todo_change_while_the_broker_is_away_answers_and_its_event_leaves_and_is_notified_when_the_broker_returns()
    {
        _system.StartNotifications();
        var (alice, userId, _) = await SignInAsync();
        await Eventually.ReturnsAsync(() => TodoEventCountAsync(userId), n => n == 1, "the welcome todo's TODO_CREATED");
        await Eventually.ReturnsAsync(() => PendingTodoEventsAsync(), n => n == 0, "the welcome todo's event SENT");

        _system.BrokerProxy.Cut();
        var created = await alice.PostAsJsonAsync("/api/v1/todos", new { title = "Written while the broker is away" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1)); // the relay gets its chance to (wrongly) mark it while the broker is away
        Assert.Equal(1L, await PendingTodoEventsAsync());

        _system.BrokerProxy.Restore();
        await Eventually.ReturnsAsync(() => PendingTodoEventsAsync(), n => n == 0, "the task event SENT after the broker returned", TimeSpan.FromSeconds(15));
        Assert.Equal(2L, await TodoEventCountAsync(userId));
        // The welcome, the welcome todo's and the change's notifications: each once.
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 3, "the change's notification after the broker returned", TimeSpan.FromSeconds(15));
        Assert.Equal(1L, await _system.NotifyScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = @userId AND text = 'Todo \"Written while the broker is away\" created.'", new { userId }));
    }

    private async Task<(HttpClient Client, Guid UserId, string Email)> SignInAsync()
    {
        var email = ApiClient.NewEmail();
        var registered = await _auth.RegisterOkAsync(email, "grey stapler orbit");
        return (_todos.CreateClient().WithToken(await _auth.LoginAsync(email, "grey stapler orbit")), registered.UserId, email);
    }

    private Task<long> TodoEventCountAsync(Guid userId) =>
        _system.TodoScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregate_id = @userId", new { userId });

    private Task<long> PendingTodoEventsAsync() => _system.TodoScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'");
}
