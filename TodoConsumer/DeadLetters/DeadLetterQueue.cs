using Microsoft.Extensions.Options;
using Npgsql;
using RabbitMQ.Client;
using Registration.Contracts;

namespace TodoConsumer.DeadLetters;

/// <summary>
/// Lists, replays and discards the messages of <see cref="Topology.UserRegisteredDeadLetterQueue"/>. Every
/// operation holds a PostgreSQL advisory lock of the todo database, so operations of all instances run one
/// at a time: a list never misses the messages another instance is holding for a replay.
/// </summary>
public sealed partial class DeadLetterQueue(
    DeadLetterBroker broker, NpgsqlDataSource db, IOptions<DeadLetterOptions> options, TimeProvider time, ILogger<DeadLetterQueue> logger)
{
    private const long LockKey = 0x444C_515F_4F50; // "DLQ_OP"
    private const string Queue = Topology.UserRegisteredDeadLetterQueue;

    /// <summary>Headers about the message's previous life, not carried into its replay.</summary>
    private static readonly string[] DroppedHeaderPrefixes = ["x-dead-letter", "x-death", "x-first-death", "x-last-death", MessageHeaders.DeliveryAttempts, MessageHeaders.DeliveryCount];

    public const string ReplayedAtHeader = "x-replayed-at";

    public sealed record Listing(string Queue, long Depth, int Limit, IReadOnlyList<DeadLetter> Items);

    /// <summary>What an action did: messages that matched, how many of them were settled, and why the others were not.</summary>
    public sealed record ActionResult(int Matched, int Settled, IReadOnlyList<string> Errors, long Remaining);

    public int ScanLimit => options.Value.ScanLimit;

    public Task<Listing> ListAsync(int limit, CancellationToken cancellationToken) =>
        WithBatchAsync(limit, (_, batch) =>
            Task.FromResult(new Listing(Queue, batch.Depth, limit, [.. batch.Messages.Select(DeadLetter.From)])), cancellationToken);

    public Task<ActionResult> ReplayAsync(string? eventId, CancellationToken cancellationToken) =>
        WithBatchAsync(ScanLimit, async (connection, batch) =>
        {
            var matches = Matching(batch, eventId);
            var errors = new List<string>();
            if (matches.Count > 0)
            {
                await using var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
                var now = time.GetUtcNow().ToString("O");
                var confirms = matches.Select(m => publisher.BasicPublishAsync(
                        Topology.Exchange, Topology.UserRegisteredRoutingKey, mandatory: true, ReplayProperties(m, now), m.Body, cancellationToken)
                    .AsTask().WaitAsync(options.Value.ConfirmTimeout, cancellationToken)).ToList();
                for (var i = 0; i < matches.Count; i++)
                {
                    try
                    {
                        await confirms[i];
                        await batch.AckAsync(matches[i], CancellationToken.None); // confirmed: settle it even if the caller went away
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        errors.Add($"{DeadLetter.IdOf(matches[i]).Id}: not confirmed by the broker ({ex.GetType().Name}: {ex.Message})");
                    }
                }

                LogReplayed(batch.Settled, matches.Count);
            }

            return new ActionResult(matches.Count, batch.Settled, errors, batch.Depth - batch.Settled);
        }, cancellationToken);

    public Task<ActionResult> DiscardAsync(string eventId, CancellationToken cancellationToken) =>
        WithBatchAsync(ScanLimit, async (_, batch) =>
        {
            var matches = Matching(batch, eventId);
            foreach (var message in matches)
            {
                await batch.AckAsync(message, CancellationToken.None);
                LogDiscarded(eventId, DeadLetter.From(message).Reason);
            }

            return new ActionResult(matches.Count, batch.Settled, [], batch.Depth - batch.Settled);
        }, cancellationToken);

    private async Task<T> WithBatchAsync<T>(int max, Func<IConnection, DeadLetterBatch, Task<T>> work, CancellationToken cancellationToken)
    {
        await using var lockConnection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await lockConnection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            $"SET LOCAL lock_timeout = '{(int)options.Value.LockTimeout.TotalMilliseconds}ms'; SELECT pg_advisory_xact_lock({LockKey})", lockConnection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var connection = await broker.ConnectionAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var batch = await DeadLetterBatch.TakeAsync(channel, Queue, max, cancellationToken);
        var result = await work(connection, batch);
        await batch.RequeueRestAsync(Queue, CancellationToken.None);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <param name="eventId">null: every message taken.</param>
    private static List<BasicGetResult> Matching(DeadLetterBatch batch, string? eventId) =>
        [.. batch.Messages.Where(m => eventId is null || DeadLetter.IdOf(m).Id == eventId)];

    /// <summary>The original properties (message_id, type, correlation id...) and headers, less those of its dead-lettering.</summary>
    private static BasicProperties ReplayProperties(BasicGetResult message, string replayedAt)
    {
        var headers = new Dictionary<string, object?>();
        foreach (var (name, value) in message.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            if (!DroppedHeaderPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
            {
                headers[name] = value;
            }
        }

        headers[ReplayedAtHeader] = replayedAt;
        return new BasicProperties(message.BasicProperties) { Headers = headers, Persistent = true };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Replayed} of {Matched} dead letters to the events exchange")]
    private partial void LogReplayed(int replayed, int matched);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead letter {EventId} discarded by an operator (it was dead-lettered for: {Reason})")]
    private partial void LogDiscarded(string eventId, string? reason);
}
