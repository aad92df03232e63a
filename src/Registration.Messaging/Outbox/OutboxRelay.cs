using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;

namespace Registration.Messaging.Outbox;

/// <summary>
/// One relay step, free of hosting concerns: claim due PENDING rows, publish them with confirms, and
/// in the same transaction mark the confirmed ones SENT and give the others a backoff. If the process
/// dies before the commit, the locks vanish with it and the rows are published again (at-least-once).
/// </summary>
public sealed partial class OutboxRelay(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options, ILogger<OutboxRelay> logger)
{
    /// <summary>Whether <paramref name="partition"/> has PENDING rows at all; the relay's timer asks before it claims.</summary>
    public Task<bool> HasPendingAsync(short partition, CancellationToken cancellationToken) =>
        OutboxStore.HasPendingAsync(dataSource, partition, cancellationToken);

    public async Task<RelayResult> RelayBatchAsync(IChannel channel, EpochFence fence, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await OutboxStore.HoldAndClaimAsync(connection, transaction, fence, settings.BatchSize, cancellationToken) is not { } rows)
        {
            return RelayResult.Superseded; // a newer activation took the partition: publish nothing
        }

        if (rows.Count == 0)
        {
            return new RelayResult(0, 0, 0, null);
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

        var marked = await OutboxStore.RecordAsync(connection, transaction, fence, confirmed, failures, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RelayResult(rows.Count, marked, confirmed.Count - marked, failures.FirstOrDefault()?.Error);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {EventId} not confirmed (attempt {Attempt}), stays PENDING, next try in {RetryAfterMs:0} ms: {Error}")]
    private partial void LogNotConfirmed(Guid eventId, int attempt, double retryAfterMs, string error);
}

/// <param name="Claimed">Rows taken in this step.</param>
/// <param name="Sent">Rows the broker confirmed and that are now SENT.</param>
/// <param name="Fenced">Rows the broker confirmed that could not be marked because a newer activation of the partition took its epoch meanwhile.</param>
/// <param name="FirstError">The error of the first failed row, if any.</param>
public readonly record struct RelayResult(int Claimed, int Sent, int Fenced, string? FirstError)
{
    /// <summary>The step found its epoch replaced before it claimed anything.</summary>
    public static RelayResult Superseded { get; } = new(0, 0, 0, null) { WasSuperseded = true };

    public bool WasSuperseded { get; private init; }

    public int Failed => Claimed - Sent - Fenced;
}
