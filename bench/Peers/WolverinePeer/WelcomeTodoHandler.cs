using Npgsql;

namespace WolverinePeer;

/// <summary>
/// Consumes UserRegistered after the durable inbox stored its envelope; Wolverine marks the envelope handled once
/// this returns. The todo is written in the handler's own transaction, the same statements Wolverine's PostgreSQL
/// transactional middleware would wrap (that middleware did not attach to this handler in Wolverine 6.64.2 with
/// plain Npgsql: "unable to resolve a variable of type NpgsqlTransaction"; see BENCHMARKS.md).
/// </summary>
public static class WelcomeTodoHandler
{
    public const string Title = "Welcome to the App";

    public static async Task Handle(UserRegistered message, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand(
            "INSERT INTO todos (id, user_id, event_id, title) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
            command.Parameters.Add(new NpgsqlParameter { Value = message.UserId });
            command.Parameters.Add(new NpgsqlParameter { Value = message.EventId });
            command.Parameters.Add(new NpgsqlParameter { Value = Title });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
