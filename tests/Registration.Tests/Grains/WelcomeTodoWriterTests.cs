using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Contracts;
using Registration.Grains.Users;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Grains;

/// <summary>
/// The silo's group commit of welcome todos, on a real database: the events of one transaction are decided in arrival
/// order, each user's events apply one at a time and in sequence (an older one is recognised, not applied), an event
/// older than Consumer:MaxMessageAge is a duplicate if its key exists and expired if not, and two writers (two silos, or
/// two activations of a user's grain) never apply an event twice.
/// </summary>
public sealed class WelcomeTodoWriterTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await _system.MigrateServiceDatabasesAsync();
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

    private static UserRegistered Unordered(Guid user) => Event(user, sequence: 1) with { Sequence = null };

    [Fact]
    public async Task Batch_with_several_events_of_one_user_decides_each_in_delivery_order()
    {
        var user = Guid.NewGuid();
        var other = Guid.NewGuid();
        var first = Event(user, sequence: 1);
        Assert.Equal(MessageOutcome.Applied, await HandleAsync(first));
        var (second, third, fourth) = (Event(user, sequence: 2), Event(user, sequence: 3), Event(user, sequence: 4));
        var otherUsers = Event(other, sequence: 1);

        var outcomes = await ApplyTogetherAsync([third, second, first, third, otherUsers, fourth]);

        Assert.Equal(
            [MessageOutcome.Applied, MessageOutcome.Stale, MessageOutcome.Duplicate, MessageOutcome.Duplicate, MessageOutcome.Applied, MessageOutcome.Applied],
            outcomes);
        Assert.Equal(3L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @other", new { other }));
        Assert.Equal("stale", await _system.TodoScalarAsync<string>("SELECT outcome FROM processed_events WHERE event_id = @id", new { id = second.EventId }));
        Assert.Equal(4L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
        Assert.Equal(fourth.EventId, await _system.TodoScalarAsync<Guid>("SELECT last_event_id FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Events_without_a_sequence_in_a_batch_apply_unless_seen_and_move_no_sequence()
    {
        var user = Guid.NewGuid();
        Assert.Equal(MessageOutcome.Applied, await HandleAsync(Event(user, sequence: 2)));
        var (unordered, older, newer, another) = (Unordered(user), Event(user, sequence: 1), Event(user, sequence: 3), Unordered(user));

        var outcomes = await ApplyTogetherAsync([unordered, older, unordered, newer, another]);

        Assert.Equal(
            [MessageOutcome.Applied, MessageOutcome.Stale, MessageOutcome.Duplicate, MessageOutcome.Applied, MessageOutcome.Applied],
            outcomes);
        Assert.Equal(4L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(2L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @user AND sequence IS NULL AND outcome = 'applied'", new { user }));
        Assert.Equal(3L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
        Assert.Equal(newer.EventId, await _system.TodoScalarAsync<Guid>("SELECT last_event_id FROM user_event_state WHERE user_id = @user", new { user }));

        // A new user's event without a sequence leaves the user at no applied sequence: its first sequenced event applies.
        var fresh = Guid.NewGuid();
        Assert.Equal([MessageOutcome.Applied, MessageOutcome.Applied], await ApplyTogetherAsync([Unordered(fresh), Event(fresh, sequence: 1)]));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @fresh", new { fresh }));
    }

    [Fact]
    public async Task Batch_holding_an_event_twice_and_events_processed_before_applies_each_event_once()
    {
        var (user, other, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var (mine, others) = (Event(user, sequence: 2), Event(other, sequence: 1));
        Assert.Equal([MessageOutcome.Applied, MessageOutcome.Applied], await ApplyTogetherAsync([mine, others]));
        var (older, newer, thirds) = (Event(user, sequence: 1), Event(user, sequence: 3), Event(third, sequence: 1));

        var outcomes = await ApplyTogetherAsync([others, older, newer, older, mine, thirds, newer, thirds]);

        Assert.Equal(
            [
                MessageOutcome.Duplicate, MessageOutcome.Stale, MessageOutcome.Applied, MessageOutcome.Duplicate,
                MessageOutcome.Duplicate, MessageOutcome.Applied, MessageOutcome.Duplicate, MessageOutcome.Duplicate,
            ],
            outcomes);
        Assert.Equal(2L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @other", new { other }));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @third", new { third }));
        Assert.Equal(3L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE user_id = @user", new { user }));
        Assert.Equal(3L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Duplicate_with_a_higher_sequence_does_not_make_a_later_event_of_its_user_stale()
    {
        // An event id seen before (here for another user) carrying a high sequence is a duplicate: it changes nothing,
        // so the user's next event is compared with the user's last applied sequence, not with the duplicate's.
        var eventId = Guid.NewGuid();
        Assert.Equal(MessageOutcome.Applied, await HandleAsync(UserRegistered.Create(eventId, DateTimeOffset.UtcNow, "order", Guid.NewGuid(), "a@example.com")));
        var user = Guid.NewGuid();
        var reused = UserRegistered.Create(eventId, DateTimeOffset.UtcNow, "order", user, "b@example.com", sequence: 10);

        Assert.Equal([MessageOutcome.Duplicate, MessageOutcome.Applied], await ApplyTogetherAsync([reused, Event(user, sequence: 5)]));
        Assert.Equal(5L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Event_older_than_the_max_message_age_is_a_duplicate_if_its_key_exists_and_else_expired_leaving_nothing()
    {
        var user = Guid.NewGuid();
        var applied = Event(user, sequence: 1) with { OccurredAt = DateTimeOffset.UtcNow.AddHours(-2) };
        Assert.Equal(MessageOutcome.Applied, await HandleAsync(applied));
        var neverApplied = Event(user, sequence: 2) with { OccurredAt = DateTimeOffset.UtcNow.AddHours(-2) };

        // The same events where the oldest applied is 1 hour old: the applied one's key is looked up before its age is judged.
        var outcomes = await ApplyTogetherAsync([applied, neverApplied], maxAge: TimeSpan.FromHours(1));

        Assert.Equal([MessageOutcome.Duplicate, MessageOutcome.Expired], outcomes);
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = neverApplied.EventId }));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Batch_with_expired_events_records_none_of_them_and_lets_them_change_no_other_decision()
    {
        var (user, other) = (Guid.NewGuid(), Guid.NewGuid());
        var old = DateTimeOffset.UtcNow.AddHours(-2);
        var expired = Event(other, sequence: 1) with { OccurredAt = old };
        var (oldHigh, recent) = (Event(user, sequence: 5) with { OccurredAt = old }, Event(user, sequence: 2));
        var laterCopy = recent with { OccurredAt = old };

        var outcomes = await ApplyTogetherAsync([expired, expired, oldHigh, recent, laterCopy], maxAge: TimeSpan.FromHours(1));

        // Two copies of an expired event are both expired (the first recorded nothing); an expired event with a high
        // sequence does not make a later one stale; an old copy after a recorded one is a duplicate of it.
        Assert.Equal([MessageOutcome.Expired, MessageOutcome.Expired, MessageOutcome.Expired, MessageOutcome.Applied, MessageOutcome.Duplicate], outcomes);
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = ANY(@ids)", new { ids = new[] { expired.EventId, oldHigh.EventId } }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @other", new { other }));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user }));
        Assert.Equal(2L, await _system.TodoScalarAsync<long>("SELECT last_sequence FROM user_event_state WHERE user_id = @user", new { user }));
    }

    [Fact]
    public async Task Concurrent_batches_sharing_users_neither_deadlock_nor_apply_twice()
    {
        var users = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        var events = users.Select(u => Event(u, sequence: 1)).ToList();
        // Every batch holds every event, in a different order: all batches lock all users at once.
        var batches = Enumerable.Range(0, 8).Select(_ => events.OrderBy(_ => Random.Shared.Next()).ToList()).ToList();

        var outcomes = await Task.WhenAll(batches.Select(b => Task.Run(() => ApplyTogetherAsync(b))))
            .WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(20, outcomes.SelectMany(o => o).Count(o => o == MessageOutcome.Applied));
        Assert.Equal(140, outcomes.SelectMany(o => o).Count(o => o == MessageOutcome.Duplicate));
        Assert.Equal(20L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = ANY(@users)", new { users = users.ToArray() }));
    }

    [Fact]
    public async Task Event_id_recorded_meanwhile_for_another_user_fails_the_group_commit_whose_events_are_then_applied_one_by_one()
    {
        var eventId = Guid.NewGuid();
        var reused = UserRegistered.Create(eventId, DateTimeOffset.UtcNow, "reused", Guid.NewGuid(), "b@example.com");
        var bystander = Event(Guid.NewGuid(), sequence: 1);
        await using var rival = await _system.TodoDb.OpenConnectionAsync();
        await using var rivalTransaction = await rival.BeginTransactionAsync();
        await rival.ExecuteAsync(
            "INSERT INTO processed_events (event_id, event_type, user_id, sequence, occurred_at, outcome) VALUES (@eventId, 'USER_REGISTERED', @user, 1, now(), 'applied')",
            new { eventId, user = Guid.NewGuid() }, rivalTransaction);

        // The group commit reads the event as new (the rival has not committed) and waits on the unique key when recording it.
        var together = ApplyTogetherAsync([bystander, reused]);
        await Eventually.TrueAsync(
            async () => await _system.TodoScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0,
            "the group commit waits for the rival's uncommitted key");
        await rivalTransaction.CommitAsync();

        // The unique key failed the whole transaction (nothing of it was committed); applied one by one, the reused id
        // is a duplicate and the bystander applies, once.
        Assert.Equal([MessageOutcome.Applied, MessageOutcome.Duplicate], await together.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user = bystander.Data.UserId }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user = reused.Data.UserId }));
    }

    [Fact]
    public async Task Database_outage_fails_the_callers_and_nothing_is_half_written()
    {
        await using var proxied = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString(_system.TodoDatabase, _system.TodoDatabaseProxy.Port));
        var events = Enumerable.Range(0, 5).Select(_ => Event(Guid.NewGuid(), sequence: 1)).ToList();
        _system.TodoDatabaseProxy.Cut();

        var failure = await Record.ExceptionAsync(() => ApplyTogetherAsync(events, proxied).WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.True(failure is not null && DatabaseFailures.IsTransient(failure), $"expected a transient database failure, got {failure}");
        _system.TodoDatabaseProxy.Restore();
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events"));
        Assert.Equal(Enumerable.Repeat(MessageOutcome.Applied, 5), await ApplyTogetherAsync(events, proxied));
    }

    /// <summary>
    /// The events through a writer of their own, queued before it starts, so they are decided in one transaction in
    /// this order (at most <see cref="WelcomeTodoWriter.MaxBatch"/> of them).
    /// </summary>
    /// <param name="maxAge">Consumer:MaxMessageAge; its default (5 days) when not given.</param>
    private async Task<MessageOutcome[]> ApplyTogetherAsync(IReadOnlyList<UserRegistered> events, NpgsqlDataSource? db = null, TimeSpan? maxAge = null)
    {
        var options = new ConsumerOptions();
        options.MaxMessageAge = maxAge ?? options.MaxMessageAge;
        using var writer = new WelcomeTodoWriter(db ?? _system.TodoDb, Options.Create(options), Options.Create(new OutboxOptions()), NullLogger<WelcomeTodoWriter>.Instance);
        var outcomes = events.Select(writer.ApplyAsync).ToList();
        await writer.StartAsync(CancellationToken.None);
        try
        {
            return await Task.WhenAll(outcomes);
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None);
        }
    }

    private async Task<MessageOutcome> HandleAsync(UserRegistered message) => Assert.Single(await ApplyTogetherAsync([message]));
}
