using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Notifications;

/// <summary>
/// The whole path with every real part: a registration and the user's todo changes through AuthApi and TodoConsumer,
/// both outboxes relayed by a silo, and the notification service, whose open stream and list show one notification per
/// committed change, in the order of the changes.
/// </summary>
public sealed class TodoNotificationTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private HttpClient _auth = null!;
    private ServiceHost<TodoConsumer.Program> _todos = null!;
    private ServiceHost<global::Notifications.Program> _notifications = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApi().CreateClient();
        _todos = _system.StartTodoConsumer(); // first: it migrates the todo database, whose outbox the silo relays
        _notifications = _system.StartNotificationsListening();
        await _system.StartRelayingSiloAsync();
        await _todos.WaitClusterConnectedAsync();
        await _notifications.WaitClusterConnectedAsync();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task A_todo_created_updated_and_deleted_gives_three_notifications_in_that_order_on_an_open_stream_and_in_the_list()
    {
        var email = ApiClient.NewEmail();
        var registered = await _auth.RegisterOkAsync(email, "grey stapler orbit");
        var token = await _auth.LoginAsync(email, "grey stapler orbit");
        var todos = _todos.CreateClient().WithToken(token);
        using var http = new HttpClient { BaseAddress = _notifications.Address };
        // From the start (Last-Event-ID 0): the first two may be stored before the stream opens, and come from the catch-up.
        await using var stream = await SseClient.OpenAsync(http, token, lastEventId: "0");

        // The registration and its welcome todo come first, whatever the order the two queues deliver them in.
        var first = await stream.NextAsync("the first notification: the welcome or the welcome todo's");
        var second = await stream.NextAsync("the second notification");
        Assert.Equal([Notification.TodoCreated, Notification.Welcome], new[] { Type(first.Data), Type(second.Data) }.Order(StringComparer.Ordinal));

        var todo = (await (await todos.PostAsJsonAsync("/api/v1/todos", new { title = "Buy milk" })).Content.ReadFromJsonAsync<Todo>())!;
        Assert.Equal(HttpStatusCode.OK, (await todos.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { title = "Buy oat milk" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await todos.DeleteAsync($"/api/v1/todos/{todo.Id}")).StatusCode);

        var created = await stream.NextAsync("the created todo's notification");
        var updated = await stream.NextAsync("the updated todo's notification");
        var deleted = await stream.NextAsync("the deleted todo's notification");
        Assert.Equal([Notification.TodoCreated, Notification.TodoUpdated, Notification.TodoDeleted], new[] { Type(created.Data), Type(updated.Data), Type(deleted.Data) });
        Assert.All(new[] { created, updated, deleted }, n => Assert.Equal(todo.Id, n.Data.GetProperty("todoId").GetGuid()));
        Assert.True(second.Id < created.Id && created.Id < updated.Id && updated.Id < deleted.Id, "cursors grow in the order of the changes");

        // The list holds exactly these five, newest first: one notification per committed change, each event once.
        var list = (await http.WithToken(token).GetFromJsonAsync<JsonElement>("/api/v1/notifications"))!;
        var items = list.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([deleted.Id, updated.Id, created.Id, second.Id, first.Id], items.Select(i => i.GetProperty("id").GetInt64()));
        var taskEvents = await _system.TodoScalarAsync<Guid[]>(
            "SELECT array_agg(event_id ORDER BY (payload->>'sequence')::bigint) FROM outbox WHERE aggregate_id = @userId", new { userId = registered.UserId });
        Assert.Equal(4, taskEvents.Length);
        Assert.Equal(taskEvents[1..], new[] { created, updated, deleted }.Select(n => n.Data.GetProperty("eventId").GetGuid()));
        Assert.DoesNotContain(items, i => i.GetProperty("text").GetString()!.Contains(email, StringComparison.OrdinalIgnoreCase));
    }

    private static string Type(JsonElement notification) => notification.GetProperty("type").GetString()!;
}
