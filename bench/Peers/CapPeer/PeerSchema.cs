using Npgsql;

namespace CapPeer;

/// <summary>The workload's tables, created idempotently at start; CAP creates its own published and received tables.</summary>
public sealed class PeerSchema(NpgsqlDataSource db) : IHostedService
{
    // The lock serialises a producer and a consumer starting at once on the same database.
    private const string Sql =
        """
        SELECT pg_advisory_xact_lock(16017);
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

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(Sql, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
