using CapPeer.Transport;
using Npgsql;

namespace CapPeer.Features;

/// <summary>
/// GET /ready: 200 once PostgreSQL answers with the workload's and CAP's tables in place and the role's broker
/// connections are open, else 503.
/// </summary>
public static class Ready
{
    public static async Task<IResult> HandleAsync(NpgsqlDataSource db, RabbitConnections broker, PeerOptions peer, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = db.CreateCommand(
                "SELECT to_regclass('public.todos') IS NOT NULL AND to_regclass($1) IS NOT NULL AND to_regclass($2) IS NOT NULL");
            command.Parameters.Add(new NpgsqlParameter { Value = $"{peer.CapSchema}.published" });
            command.Parameters.Add(new NpgsqlParameter { Value = $"{peer.CapSchema}.received" });
            if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return NotReady("The schema is not created yet.");
            }

            if (peer.Produces)
            {
                await broker.Publishing.GetAsync(cancellationToken);
            }

            if (peer.Consumes)
            {
                await broker.Consuming.GetAsync(cancellationToken);
            }

            return TypedResults.Ok(new { status = "ready", role = peer.Role.ToString().ToLowerInvariant() });
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return NotReady(ex.Message);
        }
    }

    private static IResult NotReady(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.", detail: detail);
}
