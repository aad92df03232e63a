using System.Data;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Admin;

namespace AuthApi.Admin;

/// <summary>
/// The outbox as the relays' work queue, computed from the auth database alone (so every instance gives
/// the same answer): backlog, throughput and publish latency now, 10 s buckets for charts, and the
/// oldest rows that keep failing, and what retention deleted (SENT rows past Outbox:Retention). One repeatable-read
/// snapshot, so the numbers agree with each other.
/// </summary>
public static class OutboxReadModel
{
    public const int FailingRows = 10;

    public sealed record View(
        DateTimeOffset GeneratedAt,
        long Pending,
        double? OldestPendingAgeSeconds,
        long SentLastMinute,
        double SentPerSecond,
        LatencyMs PublishLatencyMs,
        int BucketSeconds,
        IReadOnlyList<Bucket> Buckets,
        IReadOnlyList<FailingRow> Failing,
        Retention Retention);

    /// <summary>SENT rows deleted by the relays' retention (all partitions, ever), when last, and the age of the oldest SENT row kept.</summary>
    public sealed record Retention(long Deleted, DateTime? LastDeletedAt, double? OldestSentAgeSeconds);

    /// <summary>One 10 s bucket: rows sent and created in it, the backlog at its end, and the publish latency of the rows sent in it.</summary>
    public sealed record Bucket(DateTimeOffset Start, long Sent, double SentPerSecond, long Created, long PendingAtEnd, LatencyMs PublishLatencyMs);

    public sealed record FailingRow(long Id, Guid EventId, short Partition, int Attempts, string? LastError, DateTime NextAttemptAt, DateTime CreatedAt);

    private sealed record Summary(double NowEpoch, long Pending, double? OldestPendingAgeSeconds, long SentLastMinute, double? P50, double? P99,
        long RetentionDeleted, DateTime? RetentionLastDeletedAt, double? OldestSentAgeSeconds);

    private sealed record Row(long Bucket, long Count, double? P50, double? P99);

    public static async Task<View> ReadAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT extract(epoch FROM now())::float8 AS NowEpoch,
                   (SELECT count(*) FROM outbox WHERE status = 'PENDING') AS Pending,
                   (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM outbox WHERE status = 'PENDING') AS OldestPendingAgeSeconds,
                   count(*) AS SentLastMinute,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)::float8) AS P50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)::float8) AS P99,
                   (SELECT coalesce(sum(deleted), 0)::bigint FROM outbox_retention) AS RetentionDeleted,
                   (SELECT max(last_deleted_at) FROM outbox_retention) AS RetentionLastDeletedAt,
                   (SELECT extract(epoch FROM now() - min(sent_at))::float8 FROM outbox WHERE status = 'SENT') AS OldestSentAgeSeconds
            FROM outbox WHERE sent_at >= now() - make_interval(secs => @window);

            SELECT floor(extract(epoch FROM sent_at) / @step)::bigint AS Bucket, count(*) AS Count,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)::float8) AS P50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)::float8) AS P99
            FROM outbox WHERE sent_at >= to_timestamp((floor(extract(epoch FROM now()) / @step) - @count) * @step)
            GROUP BY 1;

            SELECT floor(extract(epoch FROM created_at) / @step)::bigint AS Bucket, count(*) AS Count, NULL::float8 AS P50, NULL::float8 AS P99
            FROM outbox WHERE created_at >= to_timestamp((floor(extract(epoch FROM now()) / @step) - @count) * @step)
            GROUP BY 1;

            SELECT id, event_id AS EventId, partition, attempts, last_error AS LastError, next_attempt_at AS NextAttemptAt, created_at AS CreatedAt
            FROM outbox WHERE status = 'PENDING' AND attempts > 0
            ORDER BY id LIMIT @failing;
            """,
            new { window = ReadModelWindow.RateWindowSeconds, step = ReadModelWindow.BucketSeconds, count = ReadModelWindow.BucketCount, failing = FailingRows },
            transaction,
            cancellationToken: cancellationToken));

        var summary = await results.ReadSingleAsync<Summary>();
        var sent = (await results.ReadAsync<Row>()).ToDictionary(r => r.Bucket);
        var created = (await results.ReadAsync<Row>()).ToDictionary(r => r.Bucket, r => r.Count);
        var failing = (await results.ReadAsync<FailingRow>()).ToList();
        await transaction.CommitAsync(cancellationToken);

        return new View(
            DateTimeOffset.FromUnixTimeMilliseconds((long)(summary.NowEpoch * 1000)),
            summary.Pending,
            summary.OldestPendingAgeSeconds is { } age ? Math.Round(age, 3) : null,
            summary.SentLastMinute,
            ReadModelWindow.PerSecond(summary.SentLastMinute, ReadModelWindow.RateWindowSeconds),
            LatencyMs.From(summary.P50, summary.P99),
            ReadModelWindow.BucketSeconds,
            Buckets(summary, sent, created),
            failing,
            new Retention(summary.RetentionDeleted, summary.RetentionLastDeletedAt,
                summary.OldestSentAgeSeconds is { } sentAge ? Math.Round(sentAge, 3) : null));
    }

    /// <summary>
    /// The backlog at the end of a bucket follows from the backlog now: pending(t) = pending(now)
    /// - rows created after t + rows sent after t (every row sent by t was created by t).
    /// </summary>
    private static List<Bucket> Buckets(Summary summary, Dictionary<long, Row> sent, Dictionary<long, long> created)
    {
        var buckets = ReadModelWindow.CompleteBuckets(summary.NowEpoch);
        var current = ReadModelWindow.BucketOf(summary.NowEpoch);
        var createdAfter = created.GetValueOrDefault(current);
        var sentAfter = sent.GetValueOrDefault(current)?.Count ?? 0;
        var result = new Bucket[buckets.Count];
        for (var i = buckets.Count - 1; i >= 0; i--)
        {
            var bucket = buckets[i];
            var row = sent.GetValueOrDefault(bucket);
            var sentHere = row?.Count ?? 0;
            var createdHere = created.GetValueOrDefault(bucket);
            result[i] = new Bucket(
                ReadModelWindow.StartOf(bucket),
                sentHere,
                ReadModelWindow.PerSecond(sentHere, ReadModelWindow.BucketSeconds),
                createdHere,
                Math.Max(0, summary.Pending - createdAfter + sentAfter),
                LatencyMs.From(row?.P50, row?.P99));
            createdAfter += createdHere;
            sentAfter += sentHere;
        }

        return [.. result];
    }
}
