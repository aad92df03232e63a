using System.Data;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Admin;

namespace TodoConsumer.Admin;

/// <summary>
/// What the consumers did, computed from the todo database alone (so every instance gives the same,
/// cluster-wide answer): welcome todos per second, commit-to-todo latency (processed_at - occurred_at)
/// and stale events, now and in 10 s buckets. Duplicates leave no row behind; they are counted per
/// instance in <see cref="ConsumerOutcomeCounters"/>. Also what retention did: processed_events keys deleted past
/// Consumer:DedupWindow, and the age of the oldest key kept.
/// </summary>
public static class ConsumerReadModel
{
    public sealed record View(
        DateTimeOffset GeneratedAt,
        long TodosLastMinute,
        double TodosPerSecond,
        LatencyMs CommitToTodoLatencyMs,
        long StaleTotal,
        int BucketSeconds,
        IReadOnlyList<Bucket> Buckets,
        DedupKeys DedupKeys);

    /// <summary>processed_events keys deleted by the cluster's cleaner (ever), when last, and the age of the oldest key kept.</summary>
    public sealed record DedupKeys(long Deleted, DateTime? LastDeletedAt, double? OldestKeyAgeSeconds);

    /// <summary>One 10 s bucket: welcome todos created and stale events recorded in it, and the latency of those todos.</summary>
    public sealed record Bucket(DateTimeOffset Start, long Todos, double TodosPerSecond, long Stale, LatencyMs CommitToTodoLatencyMs);

    private sealed record Summary(double NowEpoch, long TodosLastMinute, double? P50, double? P99, long StaleTotal,
        long KeysDeleted, DateTime? KeysLastDeletedAt, double? OldestKeyAgeSeconds);

    private sealed record Row(long Bucket, long Todos, long Stale, double? P50, double? P99);

    public static async Task<View> ReadAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT extract(epoch FROM now())::float8 AS NowEpoch,
                   count(*) FILTER (WHERE outcome = 'applied') AS TodosLastMinute,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - occurred_at)::float8) FILTER (WHERE outcome = 'applied') AS P50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - occurred_at)::float8) FILTER (WHERE outcome = 'applied') AS P99,
                   (SELECT count(*) FROM processed_events WHERE outcome = 'stale') AS StaleTotal,
                   (SELECT coalesce(sum(deleted), 0)::bigint FROM processed_events_retention) AS KeysDeleted,
                   (SELECT max(last_deleted_at) FROM processed_events_retention) AS KeysLastDeletedAt,
                   (SELECT extract(epoch FROM now() - min(processed_at))::float8 FROM processed_events) AS OldestKeyAgeSeconds
            FROM processed_events WHERE processed_at >= now() - make_interval(secs => @window);

            SELECT floor(extract(epoch FROM processed_at) / @step)::bigint AS Bucket,
                   count(*) FILTER (WHERE outcome = 'applied') AS Todos,
                   count(*) FILTER (WHERE outcome = 'stale') AS Stale,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - occurred_at)::float8) FILTER (WHERE outcome = 'applied') AS P50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - occurred_at)::float8) FILTER (WHERE outcome = 'applied') AS P99
            FROM processed_events WHERE processed_at >= to_timestamp((floor(extract(epoch FROM now()) / @step) - @count) * @step)
            GROUP BY 1;
            """,
            new { window = ReadModelWindow.RateWindowSeconds, step = ReadModelWindow.BucketSeconds, count = ReadModelWindow.BucketCount },
            transaction,
            cancellationToken: cancellationToken));

        var summary = await results.ReadSingleAsync<Summary>();
        var rows = (await results.ReadAsync<Row>()).ToDictionary(r => r.Bucket);
        await transaction.CommitAsync(cancellationToken);

        var buckets = ReadModelWindow.CompleteBuckets(summary.NowEpoch).Select(bucket =>
        {
            var row = rows.GetValueOrDefault(bucket);
            var todos = row?.Todos ?? 0;
            return new Bucket(
                ReadModelWindow.StartOf(bucket),
                todos,
                ReadModelWindow.PerSecond(todos, ReadModelWindow.BucketSeconds),
                row?.Stale ?? 0,
                LatencyMs.From(row?.P50, row?.P99));
        });

        return new View(
            DateTimeOffset.FromUnixTimeMilliseconds((long)(summary.NowEpoch * 1000)),
            summary.TodosLastMinute,
            ReadModelWindow.PerSecond(summary.TodosLastMinute, ReadModelWindow.RateWindowSeconds),
            LatencyMs.From(summary.P50, summary.P99),
            summary.StaleTotal,
            ReadModelWindow.BucketSeconds,
            [.. buckets],
            new DedupKeys(summary.KeysDeleted, summary.KeysLastDeletedAt,
                summary.OldestKeyAgeSeconds is { } keyAge ? Math.Round(keyAge, 3) : null));
    }
}
