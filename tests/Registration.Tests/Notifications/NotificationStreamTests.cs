using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Notifications;

/// <summary>The Server-Sent Events stream: pushed through the user's grain to every instance holding a stream; resumable with no gap and no repeat.</summary>
public sealed class NotificationStreamTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Open_stream_receives_a_notification_whose_event_another_instance_consumed()
    {
        await _system.StartSiloAsync();
        var streaming = _system.StartNotificationsListening(("Consumer:Enabled", "false"));
        _system.StartNotifications(); // the only consumer
        var userId = Guid.NewGuid();
        using var http = new HttpClient { BaseAddress = streaming.Address };
        await using var stream = await SseClient.OpenAsync(http, NotificationEvents.TokenFor(userId));
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no", stream.Response.Headers.GetValues("X-Accel-Buffering").Single());

        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1, title: "Pushed"));

        var (id, data) = await stream.NextAsync("the notification consumed by the other instance");
        Assert.Equal("Todo \"Pushed\" created.", data.GetProperty("text").GetString());
        Assert.Equal(id, data.GetProperty("id").GetInt64());
        Assert.Equal(id, await _system.NotifyScalarAsync<long>("SELECT id FROM notifications WHERE user_id = @userId", new { userId }));
    }

    [Fact]
    public async Task Stream_reconnecting_with_last_event_id_receives_exactly_what_it_missed()
    {
        await _system.StartSiloAsync();
        var service = _system.StartNotificationsListening();
        var userId = Guid.NewGuid();
        var token = NotificationEvents.TokenFor(userId);
        using var http = new HttpClient { BaseAddress = service.Address };

        long seen;
        await using (var stream = await SseClient.OpenAsync(http, token))
        {
            await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1, title: "One"));
            seen = (await stream.NextAsync("the first notification")).Id;
        }

        await _system.PublishTodoAsync(
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 2, title: "Two"),
            NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 3, title: "Three"));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 3, "the two missed notifications stored");

        await using var resumed = await SseClient.OpenAsync(http, token, seen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var two = await resumed.NextAsync("the first missed notification");
        var three = await resumed.NextAsync("the second missed notification");
        Assert.Equal("Todo \"Two\" created.", two.Data.GetProperty("text").GetString());
        Assert.Equal("Todo \"Three\" created.", three.Data.GetProperty("text").GetString());
        Assert.True(seen < two.Id && two.Id < three.Id, $"ids grow: {seen}, {two.Id}, {three.Id}");

        // Then live, with nothing repeated: the next event is the next notification.
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 4, TodoChanged.Deleted, "Four"));
        var four = await resumed.NextAsync("the live notification after the catch-up");
        Assert.Equal("Todo \"Four\" deleted.", four.Data.GetProperty("text").GetString());
        Assert.True(four.Id > three.Id);
    }

    [Fact]
    public async Task A_push_that_never_reached_the_stream_is_read_from_the_database_when_the_next_one_comes()
    {
        await _system.StartSiloAsync();
        var service = _system.StartNotificationsListening();
        var userId = Guid.NewGuid();
        using var http = new HttpClient { BaseAddress = service.Address };
        await using var stream = await SseClient.OpenAsync(http, NotificationEvents.TokenFor(userId));
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 1, title: "One"));
        var one = await stream.NextAsync("the first notification");

        // Stored, but its push lost on the way (as when the connection it travelled on drops): the stream never got it.
        var lost = await _system.NotifyScalarAsync<long>(
            """
            INSERT INTO notifications (user_id, event_id, event_type, kind, text, sequence, occurred_at)
            VALUES (@userId, gen_random_uuid(), 'TODO_CREATED', 'todo.created', 'Todo "Lost" created.', 2, now()) RETURNING id
            """,
            new { userId });
        await _system.NotifyScalarAsync<int>("UPDATE notification_users SET last_sequence = 2 WHERE user_id = @userId RETURNING 1", new { userId });
        await _system.PublishTodoAsync(NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, 3, title: "Three"));

        var second = await stream.NextAsync("the notification whose push was lost, read from the database");
        var third = await stream.NextAsync("the next notification");
        Assert.Equal(lost, second.Id);
        Assert.Equal("Todo \"Lost\" created.", second.Data.GetProperty("text").GetString());
        Assert.Equal("Todo \"Three\" created.", third.Data.GetProperty("text").GetString());
        Assert.True(one.Id < second.Id && second.Id < third.Id, $"in order: {one.Id}, {second.Id}, {third.Id}");
        Assert.False(third.Data.TryGetProperty("previousId", out _), "the predecessor is not part of the API's notification");
    }
}
