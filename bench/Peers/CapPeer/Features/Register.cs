using DotNetCore.CAP;
using Npgsql;

namespace CapPeer.Features;

/// <summary>
/// POST /register: one transaction stores the user and, through CAP's outbox, its user.registered message; CAP sends
/// the message once the transaction has committed.
/// </summary>
public static class Register
{
    public sealed record Request(string? Email);

    public sealed record Response(Guid UserId, Guid EventId);

    public static async Task<IResult> HandleAsync(
        HttpRequest http, NpgsqlDataSource db, ICapPublisher publisher, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<Request>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var email = body!.Email?.Trim();
        if (string.IsNullOrEmpty(email) || !email.Contains('@', StringComparison.Ordinal))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = ["An email address is required."] });
        }

        var registered = new UserRegistered(Guid.CreateVersion7(), Guid.CreateVersion7(), email, clock.GetUtcNow());
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        // CAP's transaction: the messages published while it is open are stored in it, and sent after its commit.
        using var transaction = connection.BeginTransaction(publisher);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING", connection, (NpgsqlTransaction)transaction.DbTransaction!);
        insert.Parameters.Add(new NpgsqlParameter { Value = registered.UserId });
        insert.Parameters.Add(new NpgsqlParameter { Value = email });
        if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            await transaction.RollbackAsync(cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Email already registered.");
        }

        await publisher.PublishAsync(UserRegistered.Topic, registered, cancellationToken: cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/users/{registered.UserId}", new Response(registered.UserId, registered.EventId));
    }
}
