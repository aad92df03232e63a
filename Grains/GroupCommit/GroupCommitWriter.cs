using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Registration.Contracts;
using Registration.ServiceDefaults.Data;
using Registration.ServiceDefaults.Telemetry;

namespace Registration.Grains.GroupCommit;

/// <summary>
/// A silo's group commit: grains hand their items in, and the items waiting at one moment are written in one
/// transaction (<see cref="CommitBatchAsync"/>), so a backlog spread over thousands of grains costs a few commits instead
/// of one each. Each caller gets its item's result only after the commit. A database outage fails every caller of the
/// batch (they retry later); any other failure is retried item by item, so one item that cannot be written fails only
/// its own caller. The transaction's span continues the first item's trace and links the others'. Register it before
/// Orleans, so it stops after the grains.
/// </summary>
public abstract partial class GroupCommitWriter<TItem, TResult>(ILogger logger) : BackgroundService
{
    /// <summary>The most items in one transaction.</summary>
    public const int MaxBatch = 500;

    /// <summary>Transactions in flight at once: one collects while the other commits.</summary>
    private const int Committers = 2;

    private readonly Channel<Pending> _waiting = Channel.CreateUnbounded<Pending>();

    /// <summary>The span of one transaction.</summary>
    protected abstract string SpanName { get; }

    /// <summary>Writes the items in one transaction; one result per item, in order, known only once committed.</summary>
    protected abstract Task<IReadOnlyList<TResult>> CommitBatchAsync(IReadOnlyList<TItem> items, CancellationToken cancellationToken);

    /// <summary>
    /// The whole transaction in one round trip: BEGIN (sent by Npgsql with the batch), the plan mode, the
    /// <paramref name="statements"/>, and COMMIT; every row any statement returns goes to <paramref name="readRow"/>, and
    /// it returns after the COMMIT's reply (or throws its error), so no caller learns its result before the commit. If a
    /// statement fails, PostgreSQL skips the rest, COMMIT included, and the transaction is rolled back when it is
    /// disposed; after the COMMIT, disposing it sends nothing.
    /// </summary>
    /// <param name="items">How many items the statements carry: the plan mode depends on it.</param>
    protected static async Task CommitInOneRoundTripAsync(
        NpgsqlDataSource db, int items, IEnumerable<NpgsqlBatchCommand> statements, Action<NpgsqlDataReader> readRow, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        // The statements are prepared (auto-prepare). A lone item (the latency case) runs their generic plans and skips
        // planning. A batch is planned with its arrays: PostgreSQL costs a generic plan for 10 rows of unnest(), and on
        // generic plans a backlog went 40% slower (scripts/bench.sh consumer).
        batch.BatchCommands.Add(new NpgsqlBatchCommand(items == 1
            ? "SET LOCAL plan_cache_mode = force_generic_plan"
            : "SET LOCAL plan_cache_mode = force_custom_plan"));
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                readRow(reader);
            }
        }
        while (await reader.NextResultAsync(cancellationToken));
    }

    /// <summary>Writes the item with whatever else is waiting; completes after the commit with the item's result.</summary>
    protected Task<TResult> EnqueueAsync(TItem item)
    {
        var pending = new Pending(item, Activity.Current?.Context ?? default, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_waiting.Writer.TryWrite(pending))
        {
            throw new StoreUnavailableException("the silo is stopping");
        }

        return pending.Result.Task;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Committers).Select(_ => CommitWaitingAsync(stoppingToken)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _waiting.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
        while (_waiting.Reader.TryRead(out var left))
        {
            left.Result.TrySetException(new StoreUnavailableException("the silo stopped before the item was written"));
        }
    }

    private async Task CommitWaitingAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _waiting.Reader.WaitToReadAsync(stoppingToken))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _waiting.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch, stoppingToken);
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        try
        {
            IReadOnlyList<TResult> results;
            using (StartCommitSpan(batch))
            {
                results = await CommitBatchAsync([.. batch.Select(p => p.Item)], cancellationToken);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Result.TrySetResult(results[i]);
            }
        }
        catch (Exception ex) when (DatabaseFailures.IsTransient(ex) || cancellationToken.IsCancellationRequested)
        {
            // Nothing was committed and trying again now would fail the same way: every caller retries later.
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(ex);
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchFailed(logger, SpanName, batch.Count, ex.Message);
            foreach (var single in batch)
            {
                await CommitAsync([single], cancellationToken);
            }
        }
        catch (Exception ex)
        {
            batch[0].Result.TrySetException(ex);
        }
    }

    /// <summary>No span, and no links built, while nobody listens (no OTLP endpoint).</summary>
    private Activity? StartCommitSpan(List<Pending> batch)
    {
        if (!Tracing.Source.HasListeners())
        {
            return null;
        }

        var links = batch.Skip(1).Where(p => p.Caller != default).Select(p => new ActivityLink(p.Caller));
        var activity = Tracing.Source.StartActivity(SpanName, ActivityKind.Internal, batch[0].Caller, links: links);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    /// <param name="Caller">The span of the grain call that handed the item in (none while nobody traces).</param>
    private sealed record Pending(TItem Item, ActivityContext Caller, TaskCompletionSource<TResult> Result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Commit} of {Count} items failed, writing them one by one: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, string commit, int count, string reason);
}
