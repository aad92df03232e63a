using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Adds an event to the outbox inside the caller's transaction, so it commits or rolls back with the
/// business change, and NOTIFYs the relay, which PostgreSQL delivers only if that transaction commits.
/// </summary>
public static class OutboxWriter
{
    public const string NotifyChannel = "outbox_pending";

    public static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxMessage message, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO outbox (event_id, event_type, aggregate_id, payload, headers)
            VALUES (@event_id, @event_type, @aggregate_id, @payload, @headers);
            NOTIFY {NotifyChannel};
            """, connection, transaction);
        command.Parameters.AddWithValue("event_id", message.EventId);
        command.Parameters.AddWithValue("event_type", message.EventType);
        command.Parameters.AddWithValue("aggregate_id", message.AggregateId);
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Json, message.Payload);
        command.Parameters.AddWithValue("headers", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(message.Headers));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
