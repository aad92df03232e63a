using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Adds an event to the outbox inside the caller's transaction, so it commits or rolls back with the
/// business change. The row's partition is a stable hash of the aggregate id, so one aggregate's events share
/// a partition (and its relay). After the commit, wake that partition's relay.
/// </summary>
public sealed class OutboxWriter(IOptions<OutboxOptions> options)
{
    /// <returns>The row's partition.</returns>
    public async Task<short> AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutboxMessage message, CancellationToken cancellationToken)
    {
        var partition = OutboxPartitioner.PartitionOf(message.AggregateId, options.Value.Partitions);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload, headers)
            VALUES (@event_id, @event_type, @aggregate_id, @partition, @payload, @headers)
            """, connection, transaction);
        command.Parameters.AddWithValue("event_id", message.EventId);
        command.Parameters.AddWithValue("event_type", message.EventType);
        command.Parameters.AddWithValue("aggregate_id", message.AggregateId);
        command.Parameters.AddWithValue("partition", partition);
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Json, message.Payload);
        command.Parameters.AddWithValue("headers", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(message.Headers));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return partition;
    }
}
