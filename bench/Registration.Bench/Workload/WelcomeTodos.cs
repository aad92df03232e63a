using Npgsql;
using Registration.Contracts;

namespace Registration.Bench.Workload;

/// <summary>
/// The rows the consumer writes for one event (its processed_events key and its todo), written straight to
/// PostgreSQL with no broker and none of Grains/Users/WelcomeTodoWriter.cs's per-user lock and sequence.
/// </summary>
internal static class WelcomeTodos
{
    private const string Sql =
        """
        WITH claimed AS (
            INSERT INTO processed_events (event_id, event_type, user_id, occurred_at)
            VALUES (@eventId, @eventType, @userId, @occurredAt)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
        )
        INSERT INTO todos (id, user_id, title, source_event_id)
        SELECT @todoId, @userId, @title, event_id FROM claimed
        """;

    public static async Task InsertAsync(NpgsqlDataSource db, Guid eventId, Guid userId, DateTimeOffset occurredAt, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(Sql);
        AddParameters(command.Parameters, eventId, userId, occurredAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddParameters(NpgsqlParameterCollection parameters, Guid eventId, Guid userId, DateTimeOffset occurredAt)
    {
        parameters.AddWithValue("eventId", eventId);
        parameters.AddWithValue("eventType", UserRegistered.Type);
        parameters.AddWithValue("userId", userId);
        parameters.AddWithValue("occurredAt", occurredAt);
        parameters.AddWithValue("todoId", Guid.CreateVersion7());
        parameters.AddWithValue("title", Todo.WelcomeTitle);
    }

    /// <summary>
    /// The same rows, <paramref name="perTransaction"/> events per transaction (one commit, so one WAL flush, for
    /// all of them): the raw cost of the consumer's batched writes.
    /// </summary>
    public static Task InsertBatchedAsync(NpgsqlDataSource db, IReadOnlyList<(Guid EventId, Guid UserId)> events, int concurrency, int perTransaction, CancellationToken cancellationToken)
    {
        var chunks = events.Chunk(perTransaction).ToList();
        var next = -1;
        var now = DateTimeOffset.UtcNow;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < chunks.Count)
            {
                await using var connection = await db.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using var batch = new NpgsqlBatch(connection, transaction);
                foreach (var (eventId, userId) in chunks[i])
                {
                    var command = new NpgsqlBatchCommand(Sql);
                    AddParameters(command.Parameters, eventId, userId, now);
                    batch.BatchCommands.Add(command);
                }

                await batch.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }));
    }

    /// <summary>Inserts the rows of all <paramref name="events"/> with <paramref name="concurrency"/> statements in flight.</summary>
    public static Task InsertAllAsync(NpgsqlDataSource db, IReadOnlyList<(Guid EventId, Guid UserId)> events, int concurrency, CancellationToken cancellationToken)
    {
        var next = -1;
        var now = DateTimeOffset.UtcNow;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events.Count)
            {
                await InsertAsync(db, events[i].EventId, events[i].UserId, now, cancellationToken);
            }
        }));
    }
}
