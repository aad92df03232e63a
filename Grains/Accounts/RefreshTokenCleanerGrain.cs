using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Grains.Retention;

namespace Registration.Grains.Accounts;

/// <summary>
/// Deletes refresh tokens past their expires_at from the auth database (the silo's own database, where the outbox is), in
/// batches of RefreshTokens:CleanupBatchSize, on a timer every RefreshTokens:CleanupInterval; a pass goes on while batches
/// come back full, at most <see cref="CleanerGrain.MaxBatchesPerPass"/> of them. A spent or revoked token is kept until
/// it expires: presenting a spent one is what reveals a stolen family. The table is AuthApi's: until AuthApi has
/// migrated the database, a pass finds nothing to do.
/// </summary>
public sealed partial class RefreshTokenCleanerGrain(
    NpgsqlDataSource db,
    IOptions<RefreshTokenCleanupOptions> options,
    ILogger<RefreshTokenCleanerGrain> logger) : CleanerGrain, IRefreshTokenCleanerGrain
{
    protected override TimeSpan Interval => options.Value.CleanupInterval;

    protected override int BatchSize => options.Value.CleanupBatchSize;

    protected override async Task<int> DeleteBatchAsync(CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            WITH expired AS (
                SELECT id FROM refresh_tokens
                WHERE expires_at < now()
                ORDER BY expires_at
                LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            DELETE FROM refresh_tokens t USING expired x WHERE t.id = x.id
            """);
        command.Parameters.AddWithValue("limit", options.Value.CleanupBatchSize);
        try
        {
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0; // AuthApi has not migrated the auth database yet.
        }
    }

    protected override void Deleted(int count)
    {
        if (count > 0)
        {
            LogDeleted(count);
        }
    }

    // The auth database unreachable: the next tick tries again.
    protected override void Failed(string reason) => LogFailed(reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} expired refresh tokens deleted")]
    private partial void LogDeleted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired refresh tokens failed, tried again at the next interval: {Reason}")]
    private partial void LogFailed(string reason);
}
