using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Broker;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Workload;

/// <summary>One task event as the todo outbox's relay publishes it to notifications_queue.</summary>
internal sealed record TaskEvent(Guid EventId, Guid UserId, long Sequence, Guid TodoId, string Title, DateTimeOffset OccurredAt)
{
    public byte[] Body() => JsonSerializer.SerializeToUtf8Bytes(
        new TodoChanged(EventId, TodoChanged.Created, TodoChanged.CurrentVersion, OccurredAt, $"bench-{EventId:N}", Sequence,
            new TodoChangedData(UserId, TodoId, Title, Completed: false)),
        EventJson.Options);
}

/// <summary>
/// TODO_CREATED events (as UserGrain.ChangeAsync writes them to the todo outbox) put straight onto the broker, and the
/// rows the Notifications service stores for them written straight into the notify database.
/// </summary>
internal static class TaskEvents
{
    /// <summary>
    /// <paramref name="users"/> users with <paramref name="perUser"/> events each (sequences 1..perUser), in rounds: every
    /// user's first event, then every user's second, so a user's next event is a whole round behind its previous one.
    /// </summary>
    public static List<TaskEvent> NewRounds(string prefix, int users, int perUser)
    {
        var ids = Enumerable.Range(0, users).Select(_ => Guid.CreateVersion7()).ToArray();
        var now = DateTimeOffset.UtcNow;
        return Enumerable.Range(1, perUser)
            .SelectMany(sequence => ids.Select((user, i) => new TaskEvent(Guid.CreateVersion7(), user, sequence, Guid.CreateVersion7(), $"{prefix} {i}.{sequence}", now)))
            .ToList();
    }

    /// <summary>Publishes as the relay does: batches of <paramref name="batchSize"/> out at once on a confirm-tracking channel.</summary>
    public static async Task PublishAsync(IConnection connection, IReadOnlyList<TaskEvent> events, int batchSize, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(batchSize), cancellationToken);
        var routingKey = BrokerTopology.RoutingKeyFor(TodoChanged.Created);
        foreach (var batch in events.Chunk(batchSize))
        {
            await Task.WhenAll(batch.Select(e => channel.BasicPublishAsync(
                Topology.Exchange,
                routingKey,
                mandatory: true,
                new BasicProperties
                {
                    Persistent = true,
                    MessageId = e.EventId.ToString(),
                    Type = TodoChanged.Created,
                    ContentType = "application/json",
                    CorrelationId = $"bench-{e.EventId:N}",
                    Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                },
                e.Body(),
                cancellationToken).AsTask()));
        }
    }

    /// <summary>
    /// The notification row of each event (its unique event_id is the dedup key; ON CONFLICT DO NOTHING), with no broker
    /// and none of NotificationWriter's per-user lock, sequence check and state update: <paramref name="perTransaction"/>
    /// events per transaction in one multi-row statement, <paramref name="concurrency"/> transactions in flight.
    /// </summary>
    public static Task InsertBatchedAsync(NpgsqlDataSource db, IReadOnlyList<TaskEvent> events, int concurrency, int perTransaction, CancellationToken cancellationToken)
    {
        const string Sql =
            """
            INSERT INTO notifications (user_id, event_id, event_type, kind, text, todo_id, sequence, occurred_at)
            SELECT user_id, event_id, @type, @kind, 'Todo "' || title || '" created.', todo_id, sequence, occurred_at
            FROM unnest(@users, @events, @titles, @todos, @sequences, @occurredAt) AS e (user_id, event_id, title, todo_id, sequence, occurred_at)
            ON CONFLICT (event_id) DO NOTHING
            """;
        var chunks = events.Chunk(perTransaction).ToList();
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < chunks.Count)
            {
                var chunk = chunks[i];
                await using var connection = await db.OpenConnectionAsync(cancellationToken);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using var command = new NpgsqlCommand(Sql, connection, transaction);
                command.Parameters.AddWithValue("type", TodoChanged.Created);
                command.Parameters.AddWithValue("kind", Notification.TodoCreated);
                command.Parameters.AddWithValue("users", chunk.Select(e => e.UserId).ToArray());
                command.Parameters.AddWithValue("events", chunk.Select(e => e.EventId).ToArray());
                command.Parameters.AddWithValue("titles", chunk.Select(e => e.Title).ToArray());
                command.Parameters.AddWithValue("todos", chunk.Select(e => e.TodoId).ToArray());
                command.Parameters.AddWithValue("sequences", chunk.Select(e => e.Sequence).ToArray());
                command.Parameters.AddWithValue("occurredAt", chunk.Select(e => e.OccurredAt).ToArray());
                await command.ExecuteNonQueryAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
        }));
    }
}
