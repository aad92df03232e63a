using System.Text.Json;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>The relay's SQL: claim a batch of due PENDING rows, then record per row what the broker said.</summary>
public static class OutboxStore
{
    /// <summary>
    /// Locks up to <paramref name="limit"/> PENDING rows of the given partitions in id order for the rest of
    /// the transaction. A row waiting for its retry holds back the later rows of its partition, so one
    /// partition's rows go out in order. Rows still locked by a previous activation of a partition's relay
    /// (on a silo that is going away) are waited for, not skipped, so a hand-over cannot reorder them;
    /// the wait is bounded by lock_timeout, after which the step fails and is retried.
    /// </summary>
    public static async Task<IReadOnlyList<OutboxRow>> ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<short> partitions, int limit, CancellationToken cancellationToken)
    {
        await using var batch = ClaimBatch(connection, transaction, partitions, limit);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadRowsAsync(reader, limit, cancellationToken);
    }

    /// <summary>
    /// The relay's step start, in one round trip: share-locks the fence's epoch row for the rest of the transaction (a
    /// newer activation cannot take the partition while the step runs) and claims as <see cref="ClaimAsync"/> does.
    /// </summary>
    /// <returns>The claimed rows, or null if a newer activation took the partition: the caller publishes nothing and
    /// rolls the transaction back, which releases what the claim locked.</returns>
    public static async Task<IReadOnlyList<OutboxRow>?> HoldAndClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EpochFence fence, int limit, CancellationToken cancellationToken)
    {
        await using var batch = ClaimBatch(connection, transaction, [fence.Partition], limit);
        var hold = new NpgsqlBatchCommand("SELECT epoch FROM outbox_epochs WHERE partition = @partition FOR SHARE");
        hold.Parameters.AddWithValue("partition", fence.Partition);
        batch.BatchCommands.Insert(1, hold); // after SET LOCAL lock_timeout, which bounds its wait too
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!(await reader.ReadAsync(cancellationToken) && reader.GetInt64(0) == fence.Epoch))
        {
            return null;
        }

        await reader.NextResultAsync(cancellationToken);
        return await ReadRowsAsync(reader, limit, cancellationToken);
    }

    private static NpgsqlBatch ClaimBatch(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<short> partitions, int limit)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL lock_timeout = '5s'"));
        var claim = new NpgsqlBatchCommand(
            """
            WITH held_back AS (
                SELECT partition, min(id) AS from_id FROM outbox
                WHERE status = 'PENDING' AND attempts > 0 AND next_attempt_at > now() AND partition = ANY(@partitions)
                GROUP BY partition)
            SELECT o.id, o.event_id, o.event_type, o.aggregate_id, o.payload::text, o.headers::text, o.attempts, o.partition
            FROM outbox o LEFT JOIN held_back h ON h.partition = o.partition
            WHERE o.status = 'PENDING' AND o.partition = ANY(@partitions) AND (h.from_id IS NULL OR o.id < h.from_id)
            ORDER BY o.id
            LIMIT @limit
            FOR UPDATE OF o
            """);
        claim.Parameters.AddWithValue("partitions", partitions.ToArray());
        claim.Parameters.AddWithValue("limit", limit);
        batch.BatchCommands.Add(claim);
        return batch;
    }

    private static async Task<IReadOnlyList<OutboxRow>> ReadRowsAsync(NpgsqlDataReader reader, int limit, CancellationToken cancellationToken)
    {
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
    /// transaction, so the fallback poll of an idle partition costs no claim transaction.
    /// </summary>
    public static async Task<bool> HasPendingAsync(NpgsqlDataSource dataSource, short partition, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM outbox WHERE partition = @partition AND status = 'PENDING')");
        command.Parameters.AddWithValue("partition", partition);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Marks confirmed rows SENT and failed rows still PENDING with their error and next attempt, in one
    /// round trip, but only rows of partitions the <paramref name="fence"/> still holds: a relay that lost a
    /// partition changes nothing there (the new owner publishes those rows again).
    /// </summary>
    /// <returns>The rows marked SENT.</returns>
    public static async Task<int> RecordAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        EpochFence fence,
        IReadOnlyList<long> confirmed,
        IReadOnlyList<PublishFailure> failures,
        CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var sent = new NpgsqlBatchCommand(
            $"""
            UPDATE outbox AS o SET status = 'SENT', sent_at = now(), last_error = NULL
            FROM {EpochFence.Table}
            WHERE o.id = ANY(@ids) AND o.status = 'PENDING' AND {EpochFence.Holds}
            """);
        sent.Parameters.AddWithValue("ids", confirmed.ToArray());
        fence.AddTo(sent.Parameters);
        batch.BatchCommands.Add(sent);

        if (failures.Count > 0)
        {
            var failed = new NpgsqlBatchCommand(
                $"""
                UPDATE outbox AS o
                SET attempts = o.attempts + 1, last_error = f.error, next_attempt_at = now() + f.delay
                FROM unnest(@ids, @errors, @delays) AS f(id, error, delay), {EpochFence.Table}
                WHERE o.id = f.id AND o.status = 'PENDING' AND {EpochFence.Holds}
                """);
            failed.Parameters.AddWithValue("ids", failures.Select(f => f.RowId).ToArray());
            failed.Parameters.AddWithValue("errors", failures.Select(f => f.Error).ToArray());
            failed.Parameters.AddWithValue("delays", failures.Select(f => f.RetryAfter).ToArray());
            fence.AddTo(failed.Parameters);
            batch.BatchCommands.Add(failed);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
        return sent.RecordsAffected;
    }
}

public sealed record PublishFailure(long RowId, string Error, TimeSpan RetryAfter);

/// <summary>
/// The epoch a relay grain's activation took for its partition (see outbox_epochs): a newer activation of
/// the same partition raised it, so an older or duplicate activation changes nothing.
/// </summary>
public sealed record EpochFence(short Partition, long Epoch)
{
    /// <summary>The table joined to <c>outbox AS o</c> to check the fence.</summary>
    internal const string Table = "outbox_epochs AS e";

    /// <summary>The condition that holds only while the fence does.</summary>
    internal const string Holds = "e.partition = o.partition AND e.partition = @partition AND e.epoch = @epoch";

    internal void AddTo(NpgsqlParameterCollection parameters)
    {
        parameters.AddWithValue("partition", Partition);
        parameters.AddWithValue("epoch", Epoch);
    }
}
