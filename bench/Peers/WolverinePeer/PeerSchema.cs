using Npgsql;

namespace WolverinePeer;

/// <summary>The workload's own tables (Wolverine creates its envelope tables itself), created idempotently at start.</summary>
public static class PeerSchema
{
    public const string QueueName = "user_registered_wolverine";

    private const string Sql =
        """
        SELECT pg_advisory_xact_lock(16016);
        CREATE TABLE IF NOT EXISTS users (
            id uuid PRIMARY KEY,
            email text UNIQUE NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS todos (
            id uuid PRIMARY KEY,
            user_id uuid NOT NULL,
            event_id uuid UNIQUE NOT NULL,
            title text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now());
        """;

    public static async Task CreateAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(Sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
