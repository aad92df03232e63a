using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Consumer;

/// <summary>Events of one user are applied one at a time and in sequence; an older one is recognised, not applied.</summary>
public sealed class PerUserOrderTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private IMessageHandler _handler = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _handler = _system.StartTodoService(("Consumer:Enabled", "false")).Services.GetRequiredService<IMessageHandler>();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Event_older_than_the_last_applied_one_is_recorded_as_stale_and_not_applied()
    {
        var user = Guid.NewGuid();
        var (older, newer) = (Event(user, sequence: 1), Event(user, sequence: 2));

        Assert.Equal(MessageOutcome.Applied, await HandleAsync(newer));
        Assert.Equal(MessageOutcome.Stale, await HandleAsync(older));
        Assert.Equal(MessageOutcome.Duplicate, await HandleAsync(older));

        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal("stale", await _system.TodoScalarAsync<string>("SELECT outcome FROM processed_events WHERE event_id = @id", new { id = older.EventId }));
        Assert.Equal(2L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Concurrent_events_of_one_user_apply_one_at_a_time_and_never_go_backwards()
    {
        var user = Guid.NewGuid();
        var events = Enumerable.Range(1, 30).Select(sequence => Event(user, sequence)).ToList();
        var shuffled = events.OrderBy(_ => Random.Shared.Next()).ToList();

        var outcomes = await Task.WhenAll(shuffled.Select(e => Task.Run(() => HandleAsync(e))));

        // Whatever the arrival order, the user's state ends at the newest event, each event is recorded
        // exactly once, and the applied ones were applied in increasing order (an event is applied only
        // when it is newer than every event applied before it).
        Assert.Equal(30, outcomes.Count(o => o is MessageOutcome.Applied or MessageOutcome.Stale));
        Assert.Equal(30L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
        Assert.Equal(30L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @user", new { user }));
        var applied = outcomes.Count(o => o == MessageOutcome.Applied);
        Assert.Equal((long)applied, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal((long)applied, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @user AND outcome = 'applied'", new { user }));
    }

    private static UserRegistered Event(Guid user, long sequence) =>
        UserRegistered.Create(Guid.NewGuid(), DateTimeOffset.UtcNow, "order", user, $"{user:N}@example.com", sequence);

    private Task<MessageOutcome> HandleAsync(UserRegistered message) =>
        _handler.HandleAsync(JsonSerializer.SerializeToUtf8Bytes(message, EventJson.Options), new RabbitMQ.Client.BasicProperties(), CancellationToken.None);
}
