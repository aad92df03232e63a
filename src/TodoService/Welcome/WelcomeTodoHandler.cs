using Npgsql;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using RabbitMQ.Client;

namespace TodoService.Welcome;

/// <summary>
/// Applies USER_REGISTERED: one "Welcome to the App" todo per event, in one transaction that
/// (1) locks the user's state row, so events of one user never apply at the same time;
/// (2) inserts the processed_events key, so a duplicate (even one delivered at the same moment, which
///     waits on the lock) finds the key taken and changes nothing: never check-then-insert;
/// (3) applies the event only if its sequence is newer than the user's last applied one; an older event
///     is recorded as 'stale' and not applied, deliberately.
/// The message is acked by the caller only after this commits.
/// </summary>
public sealed partial class WelcomeTodoHandler(NpgsqlDataSource db, ILogger<WelcomeTodoHandler> logger) : IMessageHandler
{
    public const string WelcomeTitle = "Welcome to the App";

    public async Task<MessageOutcome> HandleAsync(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, CancellationToken cancellationToken)
    {
        var message = UserRegisteredReader.Read(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["UserId"] = message.Data.UserId, ["EventId"] = message.EventId });

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var lastSequence = await LockUserAsync(connection, transaction, message.Data.UserId, cancellationToken);
        var outcome = await ApplyAsync(connection, transaction, message, lastSequence, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        LogHandled(message.EventId, message.Sequence, outcome);
        return outcome;
    }

    private static async Task<long> LockUserAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        // DO UPDATE (not DO NOTHING) so an existing row is locked too, and its current sequence returned.
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO user_event_state AS s (user_id, last_sequence) VALUES (@userId, 0)
            ON CONFLICT (user_id) DO UPDATE SET user_id = s.user_id
            RETURNING s.last_sequence
            """, connection, transaction);
        command.Parameters.AddWithValue("userId", userId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<MessageOutcome> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, UserRegistered message, long lastSequence, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH claimed AS (
                INSERT INTO processed_events (event_id, event_type, user_id, sequence, occurred_at, outcome)
                VALUES (@eventId, @eventType, @userId, @sequence, @occurredAt, CASE WHEN @sequence > @lastSequence THEN 'applied' ELSE 'stale' END)
                ON CONFLICT (event_id) DO NOTHING
                RETURNING outcome
            ), welcome AS (
                INSERT INTO todos (id, user_id, title, source_event_id)
                SELECT @todoId, @userId, @title, @eventId FROM claimed WHERE outcome = 'applied'
            ), advanced AS (
                UPDATE user_event_state SET last_sequence = @sequence, last_event_id = @eventId, updated_at = now()
                WHERE user_id = @userId AND EXISTS (SELECT 1 FROM claimed WHERE outcome = 'applied')
            )
            SELECT outcome FROM claimed
            """, connection, transaction);
        command.Parameters.AddWithValue("eventId", message.EventId);
        command.Parameters.AddWithValue("eventType", message.EventType);
        command.Parameters.AddWithValue("userId", message.Data.UserId);
        command.Parameters.AddWithValue("sequence", message.Sequence);
        command.Parameters.AddWithValue("occurredAt", message.OccurredAt);
        command.Parameters.AddWithValue("lastSequence", lastSequence);
        command.Parameters.AddWithValue("todoId", Guid.CreateVersion7());
        command.Parameters.AddWithValue("title", WelcomeTitle);
        return await command.ExecuteScalarAsync(cancellationToken) switch
        {
            "applied" => MessageOutcome.Applied,
            "stale" => MessageOutcome.Stale,
            _ => MessageOutcome.Duplicate,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Event {EventId} (sequence {Sequence}) handled: {Outcome}")]
    private partial void LogHandled(Guid eventId, long sequence, MessageOutcome outcome);
}
