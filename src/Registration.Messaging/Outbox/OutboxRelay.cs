using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;

namespace Registration.Messaging.Outbox;

/// <summary>
/// One relay step, free of hosting concerns: claim due PENDING rows, publish them with confirms, and
/// in the same transaction mark the confirmed ones SENT and give the others a backoff. If the process
/// dies before the commit, the locks vanish with it and the rows are published again (at-least-once).
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IOptions<OutboxOptions> options)
{
    public async Task<RelayResult> RelayBatchAsync(IChannel channel, Fence fence, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (fence.Leases.Count == 0)
        {
            return new RelayResult(0, 0, 0, null);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = await OutboxStore.ClaimAsync(connection, transaction, fence.Leases.Keys.ToArray(), settings.BatchSize, cancellationToken);
        if (rows.Count == 0)
        {
            return new RelayResult(0, 0, 0, null);
        }

        var (confirmed, failed) = await OutboxPublisher.PublishAsync(channel, rows, settings.ConfirmTimeout, cancellationToken);
        var failures = failed
            .Select(f => new PublishFailure(f.Row.Id, f.Error, Backoff.Compute(f.Row.Attempts + 1, settings.RetryInitialDelay, settings.RetryMaxDelay)))
            .ToList();
        var marked = await OutboxStore.RecordAsync(connection, transaction, fence, confirmed, failures, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new RelayResult(rows.Count, marked, confirmed.Count - marked, failures.FirstOrDefault()?.Error);
    }
}

/// <param name="Claimed">Rows taken in this step.</param>
/// <param name="Sent">Rows the broker confirmed and that are now SENT.</param>
/// <param name="Fenced">Rows the broker confirmed that could not be marked because a lease was lost meanwhile.</param>
/// <param name="FirstError">The error of the first failed row, if any.</param>
public readonly record struct RelayResult(int Claimed, int Sent, int Fenced, string? FirstError)
{
    public int Failed => Claimed - Sent - Fenced;
}
