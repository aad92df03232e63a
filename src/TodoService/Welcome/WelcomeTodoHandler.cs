using Npgsql;
using Registration.Messaging.Consuming;
using RabbitMQ.Client;

namespace TodoService.Welcome;

/// <summary>
/// Applies USER_REGISTERED: one "Welcome to the App" todo per event. The processed_events key and the
/// todo are inserted by one statement, so a duplicate (even one delivered at the same moment, which
/// waits on the unique key) finds the key taken and inserts nothing. Never check-then-insert.
/// </summary>
public sealed partial class WelcomeTodoHandler(NpgsqlDataSource db, ILogger<WelcomeTodoHandler> logger) : IMessageHandler
{
    public const string WelcomeTitle = "Welcome to the App";

    public async Task<MessageOutcome> HandleAsync(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, CancellationToken cancellationToken)
    {
        var message = UserRegisteredReader.Read(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["UserId"] = message.Data.UserId, ["EventId"] = message.EventId });

        await using var command = db.CreateCommand(
            """
            WITH claimed AS (
                INSERT INTO processed_events (event_id, event_type, user_id, occurred_at)
                VALUES (@eventId, @eventType, @userId, @occurredAt)
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id
            )
            INSERT INTO todos (id, user_id, title, source_event_id)
            SELECT @todoId, @userId, @title, event_id FROM claimed
            """);
        command.Parameters.AddWithValue("eventId", message.EventId);
        command.Parameters.AddWithValue("eventType", message.EventType);
        command.Parameters.AddWithValue("userId", message.Data.UserId);
        command.Parameters.AddWithValue("occurredAt", message.OccurredAt);
        command.Parameters.AddWithValue("todoId", Guid.CreateVersion7());
        command.Parameters.AddWithValue("title", WelcomeTitle);
        var created = await command.ExecuteNonQueryAsync(cancellationToken);

        if (created == 1)
        {
            LogCreated(message.EventId);
            return MessageOutcome.Applied;
        }

        LogDuplicate(message.EventId);
        return MessageOutcome.Duplicate;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Welcome todo created for event {EventId}")]
    private partial void LogCreated(Guid eventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Duplicate event {EventId} absorbed, nothing created")]
    private partial void LogDuplicate(Guid eventId);
}
