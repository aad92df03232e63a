using Npgsql;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Admin;

/// <summary>GET /api/v1/admin/outbox: backlog, throughput, publish latency and failing rows of the outbox, cluster-wide.</summary>
public static class OutboxAdminApi
{
    public static IEndpointRouteBuilder MapOutboxAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/outbox", async (NpgsqlDataSource db, CancellationToken cancellationToken) =>
            TypedResults.Ok(await OutboxReadModel.ReadAsync(db, cancellationToken)));
        return app;
    }
}
