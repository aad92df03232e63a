using System.Text.Json;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>
/// The relay's SQL. Each statement checks the relay's epoch itself and holds no lock beyond its own execution, so no
/// lock is held while a batch is published: a relay that freezes or loses its connection mid-publish blocks nobody,
/// and a newer activation takes the partition's next epoch at once.
/// </summary>
public static class OutboxStore
{
    /// <summary>
    /// The partition's due PENDING rows in id order, up to <paramref name="limit"/>, in one round trip with the check that
    /// <paramref name="fence"/> still holds the partition. A row waiting for its retry holds back the later rows of its
    /// partition, so the partition's rows go out in order. Nothing is locked: a stale activation may still read and
    /// publish rows (a duplicate the consumer absorbs), but it can never mark them (<see cref="RecordAsync"/>).
    /// </summary>
    /// <returns>The claimed rows, or null if a newer activation took the partition: the caller publishes nothing.</returns>
    public static async Task<IReadOnlyList<OutboxRow>?> ClaimAsync(NpgsqlDataSource db, EpochFence fence, int limit, CancellationToken cancellationToken)
    {
        await using var batch = db.CreateBatch();
        var epoch = new NpgsqlBatchCommand("SELECT epoch FROM outbox_epochs WHERE partition = @partition");
        epoch.Parameters.AddWithValue("partition", fence.Partition);
        batch.BatchCommands.Add(epoch);
        var claim = new NpgsqlBatchCommand(
            """
            SELECT o.id, o.event_id, o.event_type, o.aggregate_id, o.payload::text, o.headers::text, o.attempts, o.partition
            FROM outbox o
            WHERE o.status = 'PENDING' AND o.partition = @partition
              AND o.id < coalesce((
                  SELECT min(h.id) FROM outbox h
                  WHERE h.status = 'PENDING' AND h.partition = @partition AND h.attempts > 0 AND h.next_attempt_at > now()),
                  9223372036854775807)
            ORDER BY o.id
            LIMIT @limit
            """);
        claim.Parameters.AddWithValue("partition", fence.Partition);
        claim.Parameters.AddWithValue("limit", limit);
        batch.BatchCommands.Add(claim);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!(await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) == fence.Epoch))
        {
            return null;
        }

        await reader.NextResultAsync(cancellationToken);
        var rows = new List<OutboxRow>(limit);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new OutboxRow(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetGuid(3),
                reader.GetString(4),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [],
                reader.GetInt32(6),
                reader.GetInt16(7)));
        }

        return rows;
    }

    /// <summary>
    /// Whether the partition has any PENDING row, due or not: one statement on the outbox_pending index, outside any
    /// transaction, so the fallback poll of an idle partition costs no claim.
    /// </summary>
    public static async Task<bool> HasPendingAsync(NpgsqlDataSource db, short partition, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM outbox WHERE partition = @partition AND status = 'PENDING')");
        command.Parameters.AddWithValue("partition", partition);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Marks <paramref name="sent"/> SENT and gives <paramref name="failures"/> their error and next attempt, in one
    /// statement, only while <paramref name="fence"/> holds the partition. The statement share-locks the partition's
    /// epoch row for its own duration only: a newer activation's epoch waits for at most this one statement, and once it
    /// is taken this statement changes nothing.
    /// </summary>
    /// <returns>The rows marked SENT, or null if the fence no longer holds (nothing was changed).</returns>
    public static async Task<int?> RecordAsync(
        NpgsqlDataSource db, EpochFence fence, IReadOnlyList<long> sent, IReadOnlyList<PublishFailure> failures, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            WITH fence AS (
                SELECT partition FROM outbox_epochs WHERE partition = @partition AND epoch = @epoch FOR SHARE),
            failed AS (
                UPDATE outbox AS o
                SET attempts = o.attempts + 1, last_error = f.error, next_attempt_at = now() + f.delay
                FROM unnest(@failedIds, @errors, @delays) AS f(id, error, delay), fence
                WHERE o.id = f.id AND o.partition = fence.partition AND o.status = 'PENDING'
                RETURNING o.id),
            marked AS (
                UPDATE outbox AS o SET status = 'SENT', sent_at = now(), last_error = NULL
                FROM fence
                WHERE o.id = ANY(@sentIds) AND o.partition = fence.partition AND o.status = 'PENDING'
                RETURNING o.id)
            SELECT CASE WHEN EXISTS (SELECT FROM fence) THEN (SELECT count(*) FROM marked)::int END
            """);
        command.Parameters.AddWithValue("partition", fence.Partition);
        command.Parameters.AddWithValue("epoch", fence.Epoch);
        command.Parameters.AddWithValue("sentIds", sent.ToArray());
        command.Parameters.AddWithValue("failedIds", failures.Select(f => f.RowId).ToArray());
        command.Parameters.AddWithValue("errors", failures.Select(f => f.Error).ToArray());
        command.Parameters.AddWithValue("delays", failures.Select(f => f.RetryAfter).ToArray());
        return await command.ExecuteScalarAsync(cancellationToken) is int marked ? marked : null;
    }
}

public sealed record PublishFailure(long RowId, string Error, TimeSpan RetryAfter);

/// <summary>
/// The epoch a relay grain's activation took for its partition (see outbox_epochs): a newer activation of
/// the same partition raised it, so an older or duplicate activation changes nothing.
/// </summary>
public sealed record EpochFence(short Partition, long Epoch);
