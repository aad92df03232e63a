using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Notifications;

/// <summary>The notification API with real tokens: a user reads and marks only their own notifications; bad input is a 4xx problem.</summary>
public sealed class NotificationApiTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private ServiceHost<global::Notifications.Program> _service = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await _system.StartSiloAsync();
        _service = _system.StartNotifications();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task User_pages_newest_first_counts_unread_and_marks_read()
    {
        var userId = Guid.NewGuid();
        var http = _service.CreateClient().WithToken(NotificationEvents.TokenFor(userId));
        // The welcome first: a registration and the task events come from different outboxes, with no order between them.
        await _system.PublishAsync(NotificationEvents.Registered(Guid.NewGuid(), userId));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, "the welcome");
        await _system.PublishTodoAsync([.. Enumerable.Range(1, 4).Select(n => NotificationEvents.TodoChangedBody(Guid.NewGuid(), userId, n, title: $"Todo {n}"))]);
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 5, "five notifications");

        var first = await http.GetFromJsonAsync<JsonElement>("/api/v1/notifications?limit=3");
        var items = first.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(3, items.Count);
        Assert.Equal("Todo \"Todo 4\" created.", items[0].GetProperty("text").GetString());
        Assert.Equal(Notification.TodoCreated, items[0].GetProperty("type").GetString());
        Assert.False(items[0].GetProperty("read").GetBoolean());
        Assert.True(items[0].GetProperty("id").GetInt64() > items[1].GetProperty("id").GetInt64());
        var next = first.GetProperty("next").GetInt64();
        Assert.Equal(items[2].GetProperty("id").GetInt64(), next);

        var second = await http.GetFromJsonAsync<JsonElement>($"/api/v1/notifications?limit=3&before={next}");
        var rest = second.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, rest.Count);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        Assert.Equal(Notification.Welcome, rest[1].GetProperty("type").GetString());
        Assert.DoesNotContain("@", rest[1].GetProperty("text").GetString(), StringComparison.Ordinal);

        Assert.Equal(5, (await http.GetFromJsonAsync<JsonElement>("/api/v1/notifications/unread-count")).GetProperty("unread").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/v1/notifications/{next}/read", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/v1/notifications/{next}/read", null)).StatusCode);
        Assert.Equal(4, (await http.GetFromJsonAsync<JsonElement>("/api/v1/notifications/unread-count")).GetProperty("unread").GetInt64());
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("/api/v1/notifications/read-all", null)).StatusCode);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("/api/v1/notifications/unread-count")).GetProperty("unread").GetInt64());
    }

    [Theory]
    [InlineData("/api/v1/notifications?limit=0", "limit")]
    [InlineData("/api/v1/notifications?limit=101", "limit")]
    [InlineData("/api/v1/notifications?limit=abc", "limit")]
    [InlineData("/api/v1/notifications?limit=", "limit")]
    [InlineData("/api/v1/notifications?before=abc", "before")]
    [InlineData("/api/v1/notifications?before=-1", "before")]
    [InlineData("/api/v1/notifications?before=0", "before")]
    [InlineData("/api/v1/notifications?before=99999999999999999999", "before")]
    public async Task Bad_query_is_a_400_problem_naming_the_parameter(string url, string field)
    {
        var http = _service.CreateClient().WithToken(NotificationEvents.TokenFor(Guid.NewGuid()));

        var problem = await (await http.GetAsync(url)).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem names {field}: {problem}");
    }

    [Fact]
    public async Task Another_users_notification_cannot_be_marked_and_a_bad_id_is_a_400()
    {
        var (alice, bob) = (Guid.NewGuid(), Guid.NewGuid());
        await _system.PublishAsync(NotificationEvents.Registered(Guid.NewGuid(), alice));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(alice), n => n == 1, "alice's welcome");
        var id = await _system.NotifyScalarAsync<long>("SELECT id FROM notifications WHERE user_id = @alice", new { alice });
        var bobHttp = _service.CreateClient().WithToken(NotificationEvents.TokenFor(bob));

        await (await bobHttp.PostAsync($"/api/v1/notifications/{id}/read", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bobHttp.PostAsync("/api/v1/notifications/abc/read", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await bobHttp.PostAsync("/api/v1/notifications/0/read", null)).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Empty((await bobHttp.GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("items").EnumerateArray());
        Assert.False(await _system.NotifyScalarAsync<bool>("SELECT read_at IS NOT NULL FROM notifications WHERE id = @id", new { id }));
    }

    [Theory]
    [InlineData("GET", "/api/v1/notifications")]
    [InlineData("GET", "/api/v1/notifications/unread-count")]
    [InlineData("GET", "/api/v1/notifications/stream")]
    [InlineData("POST", "/api/v1/notifications/1/read")]
    [InlineData("POST", "/api/v1/notifications/read-all")]
    public async Task Without_a_valid_token_every_endpoint_is_a_401_problem(string method, string url)
    {
        var http = _service.CreateClient();
        await (await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url))).AssertProblemAsync(HttpStatusCode.Unauthorized);

        http.DefaultRequestHeaders.Authorization = new("Bearer", "not-a-token");
        await (await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url))).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-5")]
    public async Task Stream_with_a_bad_last_event_id_is_a_400_problem(string lastEventId)
    {
        var http = _service.CreateClient().WithToken(NotificationEvents.TokenFor(Guid.NewGuid()));
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/notifications/stream");
        request.Headers.Add("Last-Event-ID", lastEventId);

        await (await http.SendAsync(request)).AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
