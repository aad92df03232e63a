using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Registration.Contracts;
using Registration.Grains.GroupCommit;
using Registration.Messaging.Consuming;
using Registration.Messaging.Notifications;

namespace Registration.Grains.Notifications;

/// <summary>
/// The silo's group commit of notifications (<see cref="GroupCommitWriter{TItem, TResult}"/>): the notifications grains
/// hand their events here, and what waits at one moment is decided and stored in one transaction and one round trip
/// (<see cref="NotificationSql"/>): the users' locks, then one statement that decides each event against its user's last
/// sequence and its dedup key and inserts the notifications. A batch holds at most one event per user (a user's grain
/// hands one at a time; should two activations of it exist, their events go into consecutive transactions), so an
/// event is always judged against what its user's earlier events committed.
/// </summary>
public sealed class NotificationWriter(
    [FromKeyedServices(NotifyDatabase.Name)] NpgsqlDataSource db,
    IOptions<ConsumerOptions> consumer,
    IOptions<NotificationOptions> options,
    ILogger<NotificationWriter> logger) : GroupCommitWriter<NotificationEvent, NotificationResult>(logger)
{
    protected override string SpanName => "notification commit";

    public Task<NotificationResult> ApplyAsync(NotificationEvent notification) => EnqueueAsync(notification);

    protected override async Task<IReadOnlyList<NotificationResult>> CommitBatchAsync(IReadOnlyList<NotificationEvent> items, CancellationToken cancellationToken)
    {
        var results = new NotificationResult[items.Count];
        var rounds = items.Select((item, index) => (item, index))
            .GroupBy(x => x.item.UserId)
            .SelectMany(user => user.Select((x, round) => (x.item, x.index, round)))
            .GroupBy(x => x.round)
            .OrderBy(round => round.Key);
        foreach (var round in rounds)
        {
            var members = round.ToList();
            var decided = await CommitRoundAsync([.. members.Select(m => m.item)], cancellationToken);
            for (var i = 0; i < members.Count; i++)
            {
                results[members[i].index] = decided[i];
            }
        }

        return results;
    }

    private async Task<NotificationResult[]> CommitRoundAsync(IReadOnlyList<NotificationEvent> events, CancellationToken cancellationToken)
    {
        var results = new NotificationResult[events.Count];
        var lockUsers = new NpgsqlBatchCommand(NotificationSql.LockUsers)
        {
            Parameters = { new NpgsqlParameter<Guid[]>("users", [.. events.Select(e => e.UserId).Distinct().Order()]) },
        };
        await CommitInOneRoundTripAsync(db, events.Count, [lockUsers, DecideAndRecord(events)], row =>
        {
            var index = (int)row.GetInt64(0) - 1;
            var e = events[index];
            var added = row.IsDBNull(3)
                ? null
                : new Notification(row.GetInt64(3), e.EventId, e.Kind, e.Text, e.TodoId, row.GetDateTime(4), Read: false, PreviousId: row.GetInt64(5));
            results[index] = new NotificationResult(row.GetString(1), added, row.GetInt64(2));
        }, cancellationToken);
        return results;
    }

    private NpgsqlBatchCommand DecideAndRecord(IReadOnlyList<NotificationEvent> events) => new(NotificationSql.DecideAndRecord)
    {
        Parameters =
        {
            new NpgsqlParameter<Guid[]>("events", [.. events.Select(e => e.EventId)]),
            new NpgsqlParameter<string[]>("types", [.. events.Select(e => e.EventType)]),
            new NpgsqlParameter<Guid[]>("users", [.. events.Select(e => e.UserId)]),
            new NpgsqlParameter<long?[]>("sequences", [.. events.Select(e => e.Sequence)]),
            new NpgsqlParameter<DateTime[]>("occurredAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = [.. events.Select(e => e.OccurredAt.UtcDateTime)] },
            new NpgsqlParameter<string[]>("kinds", [.. events.Select(e => e.Kind)]),
            new NpgsqlParameter<string[]>("texts", [.. events.Select(e => e.Text)]),
            new NpgsqlParameter<Guid?[]>("todoIds", [.. events.Select(e => e.TodoId)]),
            new NpgsqlParameter<TimeSpan>("maxAge", consumer.Value.MaxMessageAge),
            new NpgsqlParameter<TimeSpan>("gapTimeout", options.Value.GapTimeout),
        },
    };
}
