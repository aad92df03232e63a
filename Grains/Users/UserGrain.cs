using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Placement;
using Registration.Contracts;
using Registration.Grains.Accounts;
using Microsoft.Extensions.Options;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;
using Registration.ServiceDefaults.Http;

namespace Registration.Grains.Users;

/// <summary>
/// One user: applies the user's events through the silo's group commit (<see cref="WelcomeTodoWriter"/>), one at a
/// time, and reads and writes the user's own todos; every change of a todo writes its task event (TODO_CREATED,
/// TODO_UPDATED, TODO_DELETED) to the todo database's outbox in the change's own statement. Whether an event is a duplicate, expired, stale or applied is decided
/// there, in the one statement that records it (with the silo's Consumer:MaxMessageAge). A database outage reaches the caller as
/// <see cref="StoreUnavailableException"/>: nothing changed, try again.
/// A user's grain is placed on the silo that received its first call (the gateway its caller picked), with no
/// placement round: almost every registration is a new user, so a backlog is mostly new activations. An idle user's
/// grain is collected after 2 minutes instead of Orleans' default 15 (it holds no state, so coming back costs one
/// activation): at 200 registrations a second the default would keep 180,000 idle activations in a silo.
/// </summary>
[PreferLocalPlacement]
[CollectionAgeLimit(Minutes = 2)]
public sealed class UserGrain(
    WelcomeTodoWriter writer,
    [FromKeyedServices(TodoDatabase.Name)] NpgsqlDataSource db,
    OutboxWriter outbox,
    IOptions<OutboxOptions> outboxOptions,
    TimeProvider time) : Grain, IUserGrain
{
    private const string Columns = "id, title, completed, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>Whether the user's tombstone is set; read once per activation, by the first call of the user's own.</summary>
    private bool? _erased;

    private Guid UserId => this.GetPrimaryKey();

    public Task<MessageOutcome> ApplyUserRegisteredAsync(UserRegistered registered)
    {
        if (registered.Data.UserId != UserId)
        {
            throw new ArgumentException($"event {registered.EventId} belongs to user {registered.Data.UserId}, not to {UserId}", nameof(registered));
        }

        return Transient(async () =>
        {
            var outcome = await writer.ApplyAsync(registered);
            if (outcome == MessageOutcome.Applied)
            {
                WakeTodoRelay(); // the welcome todo's TODO_CREATED was committed with it
            }

            return outcome;
        });
    }

    public Task<MessageOutcome> EraseAsync(AccountEvent request)
    {
        if (request.Data.UserId != UserId)
        {
            throw new ArgumentException($"event {request.EventId} belongs to user {request.Data.UserId}, not to {UserId}", nameof(request));
        }

        return Transient(async () =>
        {
            var reply = AccountEvent.Create(AccountEvent.DataErased, time.GetUtcNow(), request.CorrelationId, UserId, ErasingServices.Todo);
            // The tombstone first: it locks the user's row, so a welcome batch of this user waits for the commit and then reads it.
            var partition = await DataErasure.EraseAsync(db, outbox,
                """
                INSERT INTO user_event_state AS s (user_id, last_sequence, erased_at) VALUES (@userId, 0, now())
                ON CONFLICT (user_id) DO UPDATE SET erased_at = coalesce(s.erased_at, now()), updated_at = now();
                DELETE FROM todos WHERE user_id = @userId;
                DELETE FROM todo_event_sequences WHERE user_id = @userId;
                DELETE FROM processed_events WHERE user_id = @userId;
                """,
                reply);
            _erased = true;
            GrainFactory.Relay(Outboxes.Todo, partition).Wake().Ignore();
            return MessageOutcome.Applied;
        });
    }

    public Task<IReadOnlyList<Todo>> ListTodosAsync(int take, TodoCursor? after) => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        var todos = await connection.QueryAsync<Todo>(
            $"""
            SELECT {Columns} FROM todos
            WHERE user_id = @userId AND (@afterCreatedAt::timestamptz IS NULL OR (created_at, id) > (@afterCreatedAt::timestamptz, @afterId::uuid))
            ORDER BY created_at, id LIMIT @take
            """,
            new { userId = UserId, take, afterCreatedAt = after?.CreatedAt, afterId = after?.Id });
        return (IReadOnlyList<Todo>)[.. todos];
    });

    public Task<Todo?> GetTodoAsync(Guid id) => Transient(async () =>
    {
        await RefuseErasedAsync();
        await using var connection = await db.OpenConnectionAsync();
        return await connection.QuerySingleOrDefaultAsync<Todo>(
            $"SELECT {Columns} FROM todos WHERE id = @id AND user_id = @userId", new { id, userId = UserId });
    });

    public async Task<Todo> CreateTodoAsync(string title) => (await ChangeAsync(
        TodoChanged.Created,
        "INSERT INTO todos (id, user_id, title) VALUES (@id, @userId, @title) RETURNING *",
        new { id = Guid.CreateVersion7(), title }))!;

    public Task<Todo?> UpdateTodoAsync(Guid id, string? title, bool? completed) => ChangeAsync(
        TodoChanged.Updated,
        """
        UPDATE todos
        SET title = coalesce(@title, title), completed = coalesce(@completed, completed), updated_at = now()
        WHERE id = @id AND user_id = @userId
        RETURNING *
        """,
        new { id, title, completed });

    public async Task<bool> DeleteTodoAsync(Guid id) =>
        await ChangeAsync(TodoChanged.Deleted, "DELETE FROM todos WHERE id = @id AND user_id = @userId RETURNING *", new { id }) is not null;

    /// <summary>
    /// One statement: the change (<paramref name="change"/>, which returns the changed row) and its task event in the todo
    /// database's outbox (add_todo_event), so both commit or neither does; then wakes the partition's relay. Null when the
    /// user has no such todo (no event then).
    /// </summary>
    private Task<Todo?> ChangeAsync(string eventType, string change, object values) => Transient(async () =>
    {
        await RefuseErasedAsync();
        var parameters = new DynamicParameters(values);
        parameters.AddDynamicParams(new
        {
            userId = UserId,
            eventType,
            correlationId = CorrelationId.OfGrainCall() ?? CorrelationId.New(),
            traceparent = Activity.Current?.Id,
            partition = TodoPartition,
        });
        await using var connection = await db.OpenConnectionAsync();
        var todo = await connection.QuerySingleOrDefaultAsync<Todo>(
            $"""
            WITH changed AS ({change}),
            announced AS (
                SELECT add_todo_event(@eventType, c.user_id, c.id, c.title, c.completed, @correlationId, @traceparent, @partition)
                FROM changed c)
            SELECT {Columns} FROM changed, announced
            """,
            parameters);
        if (todo is not null)
        {
            WakeTodoRelay();
        }

        return todo;
    });

    /// <summary>Throws <see cref="AccountErasedException"/> when the user's data was erased: their token is refused.</summary>
    private async Task RefuseErasedAsync() => _erased = await DataErasure.RefuseErasedAsync(
        db, "SELECT EXISTS (SELECT FROM user_event_state WHERE user_id = @userId AND erased_at IS NOT NULL)", UserId, _erased);

    private short TodoPartition => OutboxPartitioner.PartitionOf(UserId, outboxOptions.Value.Partitions);

    /// <summary>After a commit that wrote a task event: one-way, so the caller never waits for it (the relay's poll is the fallback).</summary>
    private void WakeTodoRelay() => GrainFactory.Relay(Outboxes.Todo, TodoPartition).Wake().Ignore();

    private static Task<T> Transient<T>(Func<Task<T>> work) => StoreFailures.Transient("todo", work);
}
