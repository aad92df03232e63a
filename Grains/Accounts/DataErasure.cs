using Dapper;
using Npgsql;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Accounts;

/// <summary>
/// A service's part of an account deletion, the same for each grain that holds a user's data: one transaction that sets
/// the user's tombstone, deletes the data (<c>erase</c>, which takes @userId) and writes the USER_DATA_ERASED reply to the
/// database's outbox; and the check of the tombstone that refuses an erased user's calls.
/// </summary>
internal static class DataErasure
{
    /// <returns>The outbox partition of the reply, whose relay the caller wakes.</returns>
    public static async Task<short> EraseAsync(NpgsqlDataSource db, OutboxWriter outbox, string erase, AccountEvent reply)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(erase, new { userId = reply.Data.UserId }, transaction);
        var partition = await outbox.AddAsync(connection, transaction, AccountEvents.ToOutboxMessage(reply), CancellationToken.None);
        await transaction.CommitAsync();
        return partition;
    }

    /// <param name="isErased">A query of one boolean that takes @userId.</param>
    /// <exception cref="AccountErasedException">The user's tombstone is set.</exception>
    public static async Task<bool> RefuseErasedAsync(NpgsqlDataSource db, string isErased, Guid userId, bool? known)
    {
        if (known is null)
        {
            await using var connection = await db.OpenConnectionAsync();
            known = await connection.ExecuteScalarAsync<bool>(isErased, new { userId });
        }

        return known.Value ? throw new AccountErasedException($"the account of user {userId} was deleted") : false;
    }
}
