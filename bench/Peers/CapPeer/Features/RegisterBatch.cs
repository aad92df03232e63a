using DotNetCore.CAP;
using Npgsql;
using NpgsqlTypes;

namespace CapPeer.Features;

/// <summary>
/// POST /register-batch: one transaction stores <c>count</c> users (<c>prefix-i@example.com</c>, as the peer contract says) and, through
/// CAP's outbox, one user.registered message each. CAP stores a message per publish call, so the batch costs one
/// insert per message inside the transaction.
/// </summary>
public static class RegisterBatch
{
    public const int MaxCount = 100_000;

    public sealed record Request(string? Prefix, int? Count);

    public sealed record Response(int Count);

    public static async Task<IResult> HandleAsync(
        HttpRequest http, NpgsqlDataSource db, ICapPublisher publisher, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<Request>(http, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Prefix is null || body.Count is not (>= 1 and <= MaxCount))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["batch"] = [$"A prefix and a count from 1 to {MaxCount} are required."],
            });
        }

        var occurredAt = clock.GetUtcNow();
        var events = Enumerable.Range(0, body.Count.Value)
            .Select(i => new UserRegistered(Guid.CreateVersion7(), Guid.CreateVersion7(), $"{body.Prefix}-{i}@example.com", occurredAt))
            .ToArray();

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        using var transaction = connection.BeginTransaction(publisher);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO users (id, email) SELECT * FROM unnest($1, $2) ON CONFLICT (email) DO NOTHING",
            connection, (NpgsqlTransaction)transaction.DbTransaction!);
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.UserId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Email).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        if (await insert.ExecuteNonQueryAsync(cancellationToken) != events.Length)
        {
            await transaction.RollbackAsync(cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Some of these emails are already registered.");
        }

        foreach (var registered in events)
        {
            await publisher.PublishAsync(UserRegistered.Topic, registered, cancellationToken: cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created((string?)null, new Response(events.Length));
    }
}
