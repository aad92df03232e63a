using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Accounts;

/// <summary>
/// The account deletion saga with every real part: AuthApi (the API and the replies' consumer), silo processes (the saga
/// grain, the relays of the three outboxes), TodoConsumer and Notifications. The grace period, the step timeout and the
/// deadline are seconds here (the test silos' settings).
/// </summary>
[Collection(HeavyOrTimed.Name)]
public sealed class AccountDeletionTests : IAsyncLifetime
{
    private const string Password = "grey stapler orbit";

    private TestSystem _system = null!;
    private HttpClient _auth = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApi(TestAdmin.Settings).CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task A_deletion_erases_the_user_everywhere_refuses_their_token_and_the_email_registers_again_as_a_new_user()
    {
        var (todos, notifications) = await StartServicesAsync();
        await _system.StartRelayingSiloAsync();
        var (user, email, token) = await RegisterWithDataAsync(todos, notifications);
        var session = await _auth.LoginPairAsync(email, Password);

        var requested = await _auth.WithToken(token).SendAsync(Delete(Password));
        Assert.Equal(HttpStatusCode.Accepted, requested.StatusCode);
        Assert.Equal("/api/v1/auth/me/deletion", requested.Headers.Location?.OriginalString);
        await WaitForStateAsync(user, "Erased");

        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE id = @user", new { user }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @user", new { user }));
        Assert.Equal(0L, await _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @user", new { user }));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregate_id = @user AND event_type = 'USER_DELETED'", new { user }));
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregate_id = @user AND status <> 'SENT'", new { user }), n => n == 0,
            "every event of the deletion, USER_DELETED too, published (confirmed by the broker)");

        // The token has not expired, and every service refuses it.
        await (await _auth.WithToken(token).GetAsync("/api/v1/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await _auth.WithToken(token).GetAsync("/api/v1/auth/me/deletion")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await todos.WithToken(token).GetAsync("/api/v1/todos")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await todos.WithToken(token).PostAsJsonAsync("/api/v1/todos", new { title = "after the end" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await notifications.WithToken(token).GetAsync("/api/v1/notifications")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await _auth.PostAsJsonAsync("/api/v1/auth/login", new { email, password = Password })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await _auth.RefreshAsync(session.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized); // deleted with the user row

        // The audit trail: every transition, in order, with no personal data.
        var trail = await _system.AuthScalarAsync<string[]>(
            "SELECT array_agg(trigger || ':' || coalesce(service, '-') ORDER BY id) FROM account_deletion_steps WHERE user_id = @user", new { user });
        Assert.Equal("DeletionRequested:-", trail[0]);
        Assert.Equal("DeletionGraceElapsed:-", trail[1]);
        Assert.Contains("UserDataErased:todo", trail);
        Assert.Contains("UserDataErased:notifications", trail);
        Assert.Equal("UserDeleted:-", trail[^1]);

        // The same email is a new user with a new id and exactly one new welcome todo.
        var again = await _auth.RegisterOkAsync(email, Password);
        Assert.NotEqual(user, again.UserId);
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @id", new { id = again.UserId }), n => n == 1, "the new user's welcome todo");
    }

    [Fact]
    public async Task A_cancel_in_the_grace_period_leaves_the_account_as_it_was_and_is_audited()
    {
        var (todos, notifications) = await StartServicesAsync();
        await _system.StartRelayingSiloAsync(("Account:DeletionGrace", "01:00:00"));
        var (user, email, token) = await RegisterWithDataAsync(todos, notifications);
        var me = _auth.WithToken(token);

        await (await me.SendAsync(Delete("not my password"))).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await me.GetAsync("/api/v1/auth/me/deletion")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Accepted, (await me.SendAsync(Delete(Password))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await me.SendAsync(Delete(Password))).StatusCode); // asked twice: the same deletion
        var scheduled = await me.GetFromJsonAsync<JsonElement>("/api/v1/auth/me/deletion");
        Assert.Equal("Scheduled", scheduled.GetProperty("state").GetString());
        Assert.True(scheduled.GetProperty("eraseAfter").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(59));
        var during = await me.GetFromJsonAsync<AuthApi.Features.Me.Response>("/api/v1/auth/me");
        Assert.Equal(scheduled.GetProperty("eraseAfter").GetDateTimeOffset().UtcDateTime, during!.DeletionScheduledFor!.Value.ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        var cancelled = await me.PostAsync("/api/v1/auth/me/deletion/cancel", null);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("Cancelled", (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        await (await me.PostAsync("/api/v1/auth/me/deletion/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);

        await _auth.LoginAsync(email, Password);
        Assert.Null((await me.GetFromJsonAsync<AuthApi.Features.Me.Response>("/api/v1/auth/me"))!.DeletionScheduledFor);
        Assert.Single((await todos.WithToken(token).GetFromJsonAsync<JsonElement[]>("/api/v1/todos"))!);
        Assert.Equal(2, (await notifications.WithToken(token).GetFromJsonAsync<JsonElement>("/api/v1/notifications")).GetProperty("items").GetArrayLength());
        var trail = await _system.AuthScalarAsync<string[]>(
            "SELECT array_agg(trigger || ':' || coalesce(from_state, '-') || '>' || to_state ORDER BY id) FROM account_deletion_steps WHERE user_id = @user", new { user });
        Assert.Equal(["DeletionRequested:->Scheduled", "DeletionCancelled:Scheduled>Cancelled"], trail);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE aggregate_id = @user AND event_type <> 'USER_REGISTERED'", new { user }));
    }

    [Fact]
    public async Task A_service_down_during_the_erasure_is_asked_again_and_the_deletion_completes_when_it_returns_also_after_its_silo_was_killed()
    {
        _system.StartTodoConsumer(); // migrates the todo database, then leaves: its process is started below
        await _system.StopAllAsync<TodoConsumer.Program>();
        _system.StartNotificationsListening();
        var silo = await _system.StartRelayingSiloAsync();
        var consumer = await _system.StartTodoConsumerProcessAsync();
        var email = ApiClient.NewEmail();
        var user = (await _auth.RegisterOkAsync(email, Password)).UserId;
        var token = await _auth.LoginAsync(email, Password);
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }), n => n == 1, "the welcome todo");

        consumer.Kill();
        Assert.Equal(HttpStatusCode.Accepted, (await _auth.WithToken(token).SendAsync(Delete(Password))).StatusCode);
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<int>("SELECT coalesce(max((s->>'attempts')::int), 0) FROM account_deletions, jsonb_array_elements(steps) s WHERE user_id = @user AND s->>'service' = 'todo'", new { user }),
            attempts => attempts >= 2, "the todo side asked again while it is down", TimeSpan.FromSeconds(30));
        Assert.Equal("Erasing", await StateAsync(user));

        // The silo that holds the saga dies between two steps; a new one resumes it from its reminder and its stored state.
        silo.Kill();
        await _system.StartRelayingSiloAsync();
        await _system.StartTodoConsumerProcessAsync();
        await WaitForStateAsync(user, "Erased", TimeSpan.FromSeconds(60));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user AND trigger = 'UserDeleted'", new { user }));
    }

    [Fact]
    public async Task A_reply_that_never_comes_makes_the_deletion_stuck_until_an_operator_retries_it_and_duplicated_replies_change_nothing()
    {
        _system.StartTodoConsumer();
        var notifications = await _system.StartNotificationsProcessAsync();
        await _system.StartRelayingSiloAsync(("Account:StepDeadline", "00:00:04"));
        var email = ApiClient.NewEmail();
        var user = (await _auth.RegisterOkAsync(email, Password)).UserId;
        var token = await _auth.LoginAsync(email, Password);
        await Eventually.ReturnsAsync(
            () => _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @user", new { user }), n => n == 2, "the welcome notifications");

        notifications.Kill();
        Assert.Equal(HttpStatusCode.Accepted, (await _auth.WithToken(token).SendAsync(Delete(Password))).StatusCode);
        await WaitForStateAsync(user, "Stuck", TimeSpan.FromSeconds(30));
        var admin = _auth.WithAdminKey();
        var open = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/account-deletions");
        var stuck = open.GetProperty("open").EnumerateArray().Single(d => d.GetProperty("userId").GetGuid() == user);
        Assert.Equal("Stuck", stuck.GetProperty("state").GetString());
        Assert.Contains(stuck.GetProperty("steps").EnumerateArray(), s => s.GetProperty("service").GetString() == "notifications" && s.GetProperty("state").GetString() == "Requested");
        Assert.Contains(stuck.GetProperty("steps").EnumerateArray(), s => s.GetProperty("service").GetString() == "todo" && s.GetProperty("state").GetString() == "Erased");
        await (await admin.PostAsync($"/api/v1/admin/account-deletions/{Guid.NewGuid()}/retry", null)).AssertProblemAsync(HttpStatusCode.Conflict);

        await _system.StartNotificationsProcessAsync();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/admin/account-deletions/{user}/retry", null)).StatusCode);
        await WaitForStateAsync(user, "Erased");
        Assert.Equal(0L, await _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @user", new { user }));

        // Every reply and the request delivered once more: nothing moves, nothing is created, nothing is audited.
        var audited = await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user", new { user });
        await RepublishAsync(await _system.TodoScalarAsync<string>("SELECT payload::text FROM outbox WHERE aggregate_id = @user AND event_type = 'USER_DATA_ERASED' LIMIT 1", new { user }), Topology.UserDataErasedRoutingKey);
        await RepublishAsync(await _system.NotifyScalarAsync<string>("SELECT payload::text FROM outbox WHERE aggregate_id = @user AND event_type = 'USER_DATA_ERASED' LIMIT 1", new { user }), Topology.UserDataErasedRoutingKey);
        await RepublishAsync(await _system.AuthScalarAsync<string>("SELECT payload::text FROM outbox WHERE aggregate_id = @user AND event_type = 'USER_REGISTERED'", new { user }), Topology.UserRegisteredRoutingKey);
        await Eventually.TrueAsync(
            async () => await _system.QueueDepthAsync(Topology.AccountDeletionQueue) == 0 && await _system.QueueDepthAsync(Topology.UserRegisteredQueue) == 0
                && await _system.QueueDepthAsync(Topology.NotificationsQueue) == 0,
            "the copies to be consumed");
        Assert.Equal(audited, await _system.AuthScalarAsync<long>("SELECT count(*) FROM account_deletion_steps WHERE user_id = @user", new { user }));
        Assert.Equal("Erased", await StateAsync(user));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(0L, await _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @user", new { user }));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE id = @user", new { user }));
    }

    private async Task<(HttpClient Todos, HttpClient Notifications)> StartServicesAsync()
    {
        var todos = _system.StartTodoConsumer(); // first: it migrates the todo database, whose outbox the silo relays
        var notifications = _system.StartNotificationsListening();
        return (todos.CreateClient(), new HttpClient { BaseAddress = notifications.Address });
    }

    /// <summary>A user with data in every service: the welcome todo and its two notifications.</summary>
    private async Task<(Guid User, string Email, string Token)> RegisterWithDataAsync(HttpClient todos, HttpClient notifications)
    {
        var email = ApiClient.NewEmail();
        var user = (await _auth.RegisterOkAsync(email, Password)).UserId;
        var token = await _auth.LoginAsync(email, Password);
        await Eventually.ReturnsAsync(
            () => _system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @user", new { user }), n => n == 2,
            "the welcome and the welcome todo's notification");
        Assert.Single((await todos.WithToken(token).GetFromJsonAsync<JsonElement[]>("/api/v1/todos"))!);
        Assert.Equal(HttpStatusCode.OK, (await notifications.WithToken(token).GetAsync("/api/v1/notifications")).StatusCode);
        return (user, email, token);
    }

    private static HttpRequestMessage Delete(string password) =>
        new(HttpMethod.Delete, "/api/v1/auth/me") { Content = JsonContent.Create(new { password }) };

    private Task<string> StateAsync(Guid user) =>
        _system.AuthScalarAsync<string>("SELECT state FROM account_deletions WHERE user_id = @user", new { user });

    private Task WaitForStateAsync(Guid user, string state, TimeSpan? timeout = null) => Eventually.ReturnsAsync(
        async () => await _system.AuthScalarAsync<string?>("SELECT max(state) FROM account_deletions WHERE user_id = @user", new { user }),
        s => s == state, $"the deletion of {user} to be {state}", timeout ?? TimeSpan.FromSeconds(30));

    private async Task RepublishAsync(string body, string routingKey)
    {
        await using var connection = await _system.ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(Topology.Exchange, routingKey, false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes(body));
    }
}
