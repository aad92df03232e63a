using DotNetCore.CAP;
using Npgsql;

namespace CapPeer;

/// <summary>
/// Creates the user's welcome todo. CAP has stored the delivery in its received table (its inbox) before this runs and
/// marks it succeeded after. A redelivery or a retry runs this again; the unique event_id makes that a no-op.
/// </summary>
public sealed class WelcomeTodoSubscriber(NpgsqlDataSource db) : ICapSubscribe
{
    /// <summary>CAP's consumer group, which the transport uses as the queue name once CAP appends its version (".v1").</summary>
    public const string Group = "user_registered_cap";

    public const string Title = "Welcome to the App";

    [CapSubscribe(UserRegistered.Topic, Group = Group)]
    public async Task HandleAsync(UserRegistered message, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "INSERT INTO todos (id, user_id, event_id, title) VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.CreateVersion7() });
        command.Parameters.Add(new NpgsqlParameter { Value = message.UserId });
        command.Parameters.Add(new NpgsqlParameter { Value = message.EventId });
        command.Parameters.Add(new NpgsqlParameter { Value = Title });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
