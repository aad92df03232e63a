using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;
using Registration.Grains.GroupCommit;

namespace Registration.Grains.Users;

/// <summary>
/// The silo's group commit of USER_REGISTERED (<see cref="GroupCommitWriter{TItem, TResult}"/>): the user grains hand
/// their events here, and the events waiting at one moment are applied in one transaction. A transaction is one round
/// trip to PostgreSQL, BEGIN to COMMIT, and
/// (1) locks the state rows of its users (in one order, so two transactions never deadlock): events of one user
///     never apply at the same time, even from two activations of the user's grain;
/// (2) in the next statement (so in a snapshot taken after the locks), reads which of its events were processed
///     before: under the user's lock nobody else can record them now;
/// (3) in that statement, decides each event in arrival order (<see cref="WelcomeTodoSql"/>): seen before (in the
///     database or earlier in the batch) is a duplicate, however old; not seen and older than Consumer:MaxMessageAge is
///     expired (its key may have been deleted, so it may have been applied) and leaves nothing; newer than the user's
///     last applied sequence is applied; older is recorded as 'stale' and not applied;
/// (4) in that statement too, inserts the processed_events keys, the todos with their TODO_CREATED events (in the todo
///     database's outbox) and the users' new sequences; then commits.
/// Each caller gets its event's outcome only after the commit. A database outage fails every caller of the batch (they
/// retry later); any other failure is retried event by event, so one event that cannot be written fails only its own caller.
/// The transaction's span continues the first event's trace and links the others', so each registration's trace
/// reaches the statements that wrote its todo.
/// </summary>
public sealed partial class WelcomeTodoWriter(
    [FromKeyedServices(TodoDatabase.Name)] NpgsqlDataSource db,
    IOptions<ConsumerOptions> options,
    IOptions<OutboxOptions> outboxOptions,
    ILogger<WelcomeTodoWriter> logger)
    : GroupCommitWriter<WelcomeTodoWriter.Welcome, MessageOutcome>(logger)
{
    /// <summary>
    /// Applies the event with whatever else is waiting; completes after the commit with the event's outcome. The trace of
    /// the calling span goes into the welcome todo's TODO_CREATED.
    /// </summary>
    public Task<MessageOutcome> ApplyAsync(UserRegistered registered) => EnqueueAsync(new Welcome(registered, Activity.Current?.Id));

    protected override string SpanName => "welcome todo commit";

    protected override Task<IReadOnlyList<MessageOutcome>> CommitBatchAsync(IReadOnlyList<Welcome> items, CancellationToken cancellationToken) =>
        ApplyBatchAsync(items, cancellationToken);

    /// <summary>The users' locks and the statement that decides and records every event, in one round trip.</summary>
    private async Task<IReadOnlyList<MessageOutcome>> ApplyBatchAsync(IReadOnlyList<Welcome> welcomes, CancellationToken cancellationToken)
    {
        var messages = welcomes.Select(w => w.Event).ToList();
        var outcomes = new MessageOutcome[messages.Count];
        // Only the deciding statement returns rows: one per position of the batch.
        await CommitInOneRoundTripAsync(
            db, messages.Count, [LockUsers(messages), DecideAndRecord(welcomes)],
            row => outcomes[row.GetInt64(0) - 1] = ParseOutcome(row.GetString(1)), cancellationToken);

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            LogHandled(message.EventId, message.Data.UserId, message.CorrelationId, message.Sequence, outcomes[i]);
        }

        return outcomes;
    }

    /// <summary>
    /// Locks the state rows of the batch's users, in one order so two transactions never deadlock; DO UPDATE (not DO
    /// NOTHING) so an existing row is locked too. It is a statement of its own on purpose: under READ COMMITTED each
    /// statement takes a new snapshot, so the statement after it sees the processed_events rows committed by a
    /// transaction this one waited on for a lock. Read in the same statement, they would come from a snapshot taken
    /// before the wait, and an event recorded meanwhile would not read as a duplicate.
    /// </summary>
    private static NpgsqlBatchCommand LockUsers(IReadOnlyList<UserRegistered> messages) => new(
        """
        INSERT INTO user_event_state AS s (user_id, last_sequence)
        SELECT user_id, 0 FROM unnest(@users) WITH ORDINALITY AS u (user_id, position) ORDER BY position
        ON CONFLICT (user_id) DO UPDATE SET user_id = s.user_id
        """)
    {
        Parameters = { new NpgsqlParameter<Guid[]>("users", [.. messages.Select(m => m.Data.UserId).Distinct().Order()]) },
    };

    /// <summary>
    /// The events in delivery order (position 1 is the first), each with the id of the todo it creates if applied, and
    /// what that todo's TODO_CREATED carries: the registration's correlation id, the trace of the call that handed it in,
    /// and the todo outbox partition of its user.
    /// </summary>
    private NpgsqlBatchCommand DecideAndRecord(IReadOnlyList<Welcome> welcomes)
    {
        var messages = welcomes.Select(w => w.Event).ToList();
        return new(WelcomeTodoSql.DecideAndRecord)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid[]>("events", [.. messages.Select(m => m.EventId)]),
                new NpgsqlParameter<string[]>("types", [.. messages.Select(m => m.EventType)]),
                new NpgsqlParameter<Guid[]>("users", [.. messages.Select(m => m.Data.UserId)]),
                new NpgsqlParameter<long?[]>("sequences", [.. messages.Select(m => m.Sequence)]),
                new NpgsqlParameter<DateTime[]>("occurredAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. messages.Select(m => m.OccurredAt.UtcDateTime)] },
                new NpgsqlParameter<Guid[]>("todoIds", [.. messages.Select(_ => Guid.CreateVersion7())]),
                new NpgsqlParameter<string>("title", Todo.WelcomeTitle),
                new NpgsqlParameter<TimeSpan>("maxAge", options.Value.MaxMessageAge),
                new NpgsqlParameter<string[]>("correlationIds", [.. messages.Select(m => m.CorrelationId)]),
                new NpgsqlParameter<string?[]>("traceparents", [.. welcomes.Select(w => w.TraceParent)]),
                new NpgsqlParameter<short[]>("partitions", [.. messages.Select(m => OutboxPartitioner.PartitionOf(m.Data.UserId, outboxOptions.Value.Partitions))]),
                new NpgsqlParameter<string>("todoCreated", TodoChanged.Created),
            },
        };
    }

    private static MessageOutcome ParseOutcome(string outcome) => outcome switch
    {
        "applied" => MessageOutcome.Applied,
        "stale" => MessageOutcome.Stale,
        "duplicate" => MessageOutcome.Duplicate,
        "expired" => MessageOutcome.Expired,
        "erased" => MessageOutcome.Erased,
        _ => throw new InvalidOperationException($"unknown outcome '{outcome}' from the welcome todo statement"),
    };

    /// <param name="TraceParent">The W3C trace context of the grain call that handed the event in (none while nobody traces).</param>
    public sealed record Welcome(UserRegistered Event, string? TraceParent);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Event {EventId} of user {UserId} (correlation {CorrelationId}, sequence {Sequence}) handled: {Outcome}")]
    private partial void LogHandled(Guid eventId, Guid userId, string? correlationId, long? sequence, MessageOutcome outcome);
}
