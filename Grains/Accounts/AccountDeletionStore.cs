using System.Text.Json;
using Dapper;
using Npgsql;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Accounts;

/// <summary>
/// The saga's state row, its audit trail and its events, in the auth database. Every save is one transaction: the state
/// (fenced by its version), the transitions, the event in the auth outbox and, at the end, the deletion of the user row
/// (its refresh tokens go with it).
/// </summary>
public sealed class AccountDeletionStore(NpgsqlDataSource db, OutboxWriter outbox)
{
    private sealed record Row(
        Guid UserId, string State, DateTime RequestedAt, DateTime EraseAfter, DateTime? ErasingSince, string CorrelationId, string Steps, DateTime UpdatedAt, int Version);

    internal async Task<DeletionSaga?> LoadAsync(Guid userId)
    {
        await using var connection = await db.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<Row>(
            """
            SELECT user_id AS UserId, state, requested_at AS RequestedAt, erase_after AS EraseAfter, erasing_since AS ErasingSince,
                   correlation_id AS CorrelationId, steps::text AS Steps, updated_at AS UpdatedAt, version
            FROM account_deletions WHERE user_id = @userId
            """,
            new { userId });
        return row is null ? null : new DeletionSaga(
            row.UserId, Enum.Parse<AccountDeletionState>(row.State), Utc(row.RequestedAt), Utc(row.EraseAfter),
            row.ErasingSince is { } since ? Utc(since) : null, row.CorrelationId,
            JsonSerializer.Deserialize<List<AccountDeletionStep>>(row.Steps, EventJson.Options)!, Utc(row.UpdatedAt), row.Version);
    }

    /// <summary>
    /// Saves <paramref name="next"/> if the stored version is still <paramref name="expectedVersion"/> (0: no row yet), with its
    /// transitions, the outbox event <paramref name="send"/> and, when <paramref name="deleteUser"/>, the deletion of the user row.
    /// </summary>
    /// <returns>The saved saga (its new version) and the outbox partition of the event, if one was sent; null when another activation changed it first.</returns>
    internal async Task<(DeletionSaga Saga, short? Partition)?> SaveAsync(
        DeletionSaga next, int expectedVersion, IReadOnlyList<DeletionTransition> transitions, AccountEvent? send, bool deleteUser)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var saved = await connection.ExecuteAsync(
            """
            INSERT INTO account_deletions AS d (user_id, state, requested_at, erase_after, erasing_since, correlation_id, steps, updated_at, version)
            VALUES (@UserId, @State, @RequestedAt, @EraseAfter, @ErasingSince, @CorrelationId, @Steps::jsonb, @UpdatedAt, @Version)
            ON CONFLICT (user_id) DO UPDATE SET
                state = excluded.state, requested_at = excluded.requested_at, erase_after = excluded.erase_after,
                erasing_since = excluded.erasing_since, correlation_id = excluded.correlation_id, steps = excluded.steps,
                updated_at = excluded.updated_at, version = excluded.version
            WHERE d.version = @expectedVersion
            """,
            new
            {
                next.UserId,
                State = next.State.ToString(),
                next.RequestedAt,
                next.EraseAfter,
                next.ErasingSince,
                next.CorrelationId,
                Steps = JsonSerializer.Serialize(next.Steps, EventJson.Options),
                next.UpdatedAt,
                Version = expectedVersion + 1,
                expectedVersion,
            },
            transaction);
        if (saved == 0)
        {
            return null;
        }

        foreach (var t in transitions)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO account_deletion_steps (user_id, trigger, from_state, to_state, service, event_id, at)
                VALUES (@userId, @Trigger, @from, @to, @Service, @EventId, @at)
                """,
                new { userId = next.UserId, t.Trigger, from = t.From?.ToString(), to = t.To.ToString(), t.Service, t.EventId, at = next.UpdatedAt },
                transaction);
        }

        short? partition = send is null ? null : await outbox.AddAsync(connection, transaction, AccountEvents.ToOutboxMessage(send), CancellationToken.None);
        if (deleteUser)
        {
            await connection.ExecuteAsync("DELETE FROM users WHERE id = @userId", new { userId = next.UserId }, transaction);
        }

        await transaction.CommitAsync();
        return (next with { Version = expectedVersion + 1 }, partition);
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
