using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;

namespace WolverinePeer;

public sealed record RegisterRequest(string Email);

public sealed record RegisterBatchRequest(string Prefix, int Count);

public sealed record Registered(Guid UserId, Guid EventId);

/// <summary>The peer contract's HTTP side: readiness, one registration, a batch of registrations in one transaction.</summary>
public static class PeerApi
{
    public static void MapPeerApi(this WebApplication app)
    {
        app.MapGet("/ready", async (PeerReadiness readiness, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        {
            if (!readiness.IsReady)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }

            await using var command = db.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return Results.Ok(new { status = "ready" });
        });

        if (app.Services.GetRequiredService<PeerOptions>().Produces)
        {
            app.MapPost("/register", RegisterAsync);
            app.MapPost("/register-batch", RegisterBatchAsync);
        }
    }

    private static async Task<IResult> RegisterAsync(RegisterRequest request, NpgsqlDataSource db, IMessageContext bus, CancellationToken cancellationToken)
    {
        var registered = new Registered(Guid.CreateVersion7(), Guid.CreateVersion7());
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnlistAsync(bus, transaction);
        await using (var command = new NpgsqlCommand("INSERT INTO users (id, email) VALUES ($1, $2)", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = registered.UserId });
            command.Parameters.Add(new NpgsqlParameter { Value = request.Email });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await bus.SendAsync(new UserRegistered(registered.EventId, registered.UserId, request.Email, DateTimeOffset.UtcNow));
        await transaction.CommitAsync(cancellationToken);
        await ((MessageContext)bus).FlushOutgoingMessagesAsync();
        return Results.Created($"/users/{registered.UserId}", registered);
    }

    private static async Task<IResult> RegisterBatchAsync(RegisterBatchRequest request, NpgsqlDataSource db, IMessageContext bus, CancellationToken cancellationToken)
    {
        var userIds = Enumerable.Range(0, request.Count).Select(_ => Guid.CreateVersion7()).ToArray();
        var emails = Enumerable.Range(0, request.Count).Select(i => $"{request.Prefix}-{i}@example.com").ToArray();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await EnlistAsync(bus, transaction);
        await using (var command = new NpgsqlCommand("INSERT INTO users (id, email) SELECT * FROM unnest($1::uuid[], $2::text[])", connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = userIds });
            command.Parameters.Add(new NpgsqlParameter { Value = emails });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var now = DateTimeOffset.UtcNow;
        for (var i = 0; i < request.Count; i++)
        {
            await bus.SendAsync(new UserRegistered(Guid.CreateVersion7(), userIds[i], emails[i], now));
        }

        await transaction.CommitAsync(cancellationToken);
        await ((MessageContext)bus).FlushOutgoingMessagesAsync();
        return Results.Created("/users", new { count = request.Count });
    }

    /// <summary>
    /// Wolverine's outbox over a plain Npgsql transaction: envelopes sent through <paramref name="bus"/> are stored
    /// in that transaction, and go to the broker once <c>FlushOutgoingMessagesAsync</c> runs after the commit.
    /// </summary>
    private static Task EnlistAsync(IMessageContext bus, NpgsqlTransaction transaction)
    {
        var context = (MessageContext)bus;
        return context.EnlistInOutboxAsync(new DatabaseEnvelopeTransaction((IMessageDatabase)context.Storage, transaction));
    }
}
