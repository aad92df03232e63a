using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;

namespace Registration.Messaging.Outbox;

/// <summary>
/// One relay step, free of hosting concerns: claim due PENDING rows, publish them with confirms, then mark the
/// confirmed ones SENT and give the failed ones a backoff. The claim and the mark each check the relay's epoch in their
/// own statement and no transaction spans the publish, so a relay that dies or freezes between them leaves no lock
/// behind; its rows are published again by the partition's next activation (at-least-once).
/// </summary>
public sealed partial class OutboxRelay(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options, ILogger<OutboxRelay> logger)
{
    /// <summary>Whether <paramref name="partition"/> has PENDING rows at all; the relay's timer asks before it claims.</summary>
    public Task<bool> HasPendingAsync(short partition, CancellationToken cancellationToken) =>
        OutboxStore.HasPendingAsync(dataSource, partition, cancellationToken);

    public async Task<RelayResult> RelayBatchAsync(IChannel channel, EpochFence fence, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (await OutboxStore.ClaimAsync(dataSource, fence, settings.BatchSize, cancellationToken) is not { } rows)
        {
            return new RelayResult(0, 0, 0, 0, Superseded: true, null); // a newer activation took the partition: publish nothing
        }

        if (rows.Count == 0)
        {
            return default;
        }

        var (confirmed, failed) = await OutboxPublisher.PublishAsync(channel, rows, settings.ConfirmTimeout, cancellationToken);
        var failures = new List<PublishFailure>(failed.Count);
        foreach (var (row, error) in failed)
        {
            var retryAfter = Backoff.Compute(row.Attempts + 1, settings.RetryInitialDelay, settings.RetryMaxDelay);
            failures.Add(new PublishFailure(row.Id, error, retryAfter));
            using var scope = logger.BeginScope(new Dictionary<string, object?>
            {
                ["EventId"] = row.EventId,
                ["UserId"] = row.AggregateId,
                ["CorrelationId"] = row.Headers.GetValueOrDefault(Registration.Contracts.MessageHeaders.CorrelationId),
            });
            LogNotConfirmed(row.EventId, row.Attempts + 1, retryAfter.TotalMilliseconds, error);
        }

        // Rows after the first failed one stay PENDING even when confirmed: the claim holds them back behind the failed
        // row's retry, so the partition's rows become SENT in id order (their second copies are duplicates to the consumer).
        var firstFailed = failures.Count == 0 ? long.MaxValue : failures.Min(f => f.RowId);
        var sent = confirmed.Where(id => id < firstFailed).ToList();
        if (await OutboxStore.RecordAsync(dataSource, fence, sent, failures, cancellationToken) is not { } marked)
        {
            return new RelayResult(rows.Count, 0, 0, confirmed.Count, Superseded: true, null);
        }

        return new RelayResult(rows.Count, marked, failures.Count, 0, Superseded: false, failures.FirstOrDefault()?.Error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} not confirmed (attempt {Attempt}), stays PENDING, next try in {RetryAfterMs:0} ms: {Error}")]
    private partial void LogNotConfirmed(Guid eventId, int attempt, double retryAfterMs, string error);
}

/// <param name="Claimed">Rows taken in this step.</param>
/// <param name="Sent">Rows the broker confirmed and that are now SENT.</param>
/// <param name="Failed">Rows the broker did not confirm: PENDING with a backoff. Confirmed rows after the first of them stay PENDING too, untouched.</param>
/// <param name="Fenced">Rows the broker confirmed that could not be marked because a newer activation of the partition took its epoch meanwhile.</param>
/// <param name="Superseded">A newer activation holds the partition: this one changed nothing and must stop.</param>
/// <param name="FirstError">The error of the first failed row, if any.</param>
public readonly record struct RelayResult(int Claimed, int Sent, int Failed, int Fenced, bool Superseded, string? FirstError);
