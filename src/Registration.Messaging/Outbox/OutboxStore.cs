using System.Text.Json;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>The relay's SQL: claim a batch of due PENDING rows, then record per row what the broker said.</summary>
public static class OutboxStore
{
    /// <summary>
    /// Locks up to <paramref name="limit"/> due PENDING rows in id order for the rest of the transaction.
    /// SKIP LOCKED lets another relay take the next rows instead of publishing the same ones.
    /// </summary>
    public static async Task<IReadOnlyList<OutboxRow>> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT id, event_id, event_type, payload::text, headers::text, attempts
            FROM outbox
            WHERE status = 'PENDING' AND next_attempt_at <= now()
            ORDER BY id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        command.Parameters.AddWithValue("limit", limit);

        var rows = new List<OutboxRow>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxRow(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetString(3),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [],
                reader.GetInt32(5)));
        }

        return rows;
    }

    /// <summary>Marks confirmed rows SENT and failed rows still PENDING with their error and next attempt, in one round trip.</summary>
    public static async Task RecordAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        IReadOnlyList<long> confirmed,
        IReadOnlyList<PublishFailure> failures,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (confirmed.Count > 0)
        {
            var sent = new NpgsqlBatchCommand(
                """
                UPDATE outbox SET status = 'SENT', sent_at = now(), last_error = NULL
                WHERE id = ANY(@ids) AND status = 'PENDING'
                """);
            sent.Parameters.AddWithValue("ids", confirmed.ToArray());
            batch.BatchCommands.Add(sent);
        }

        if (failures.Count > 0)
        {
            var failed = new NpgsqlBatchCommand(
                """
                UPDATE outbox AS o
                SET attempts = o.attempts + 1, last_error = f.error, next_attempt_at = now() + f.delay
                FROM unnest(@ids, @errors, @delays) AS f(id, error, delay)
                WHERE o.id = f.id AND o.status = 'PENDING'
                """);
            failed.Parameters.AddWithValue("ids", failures.Select(f => f.RowId).ToArray());
            failed.Parameters.AddWithValue("errors", failures.Select(f => f.Error).ToArray());
            failed.Parameters.AddWithValue("delays", failures.Select(f => f.RetryAfter).ToArray());
            batch.BatchCommands.Add(failed);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}

public sealed record PublishFailure(long RowId, string Error, TimeSpan RetryAfter);
