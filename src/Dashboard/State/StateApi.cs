namespace Dashboard.State;

/// <summary>GET /api/dashboard/state: the whole state of the page in one answer (see docs/dashboard.md).</summary>
public static class StateApi
{
    public static IEndpointRouteBuilder MapStateApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/dashboard/state", async (StateReader reader, CancellationToken cancellationToken) =>
            TypedResults.Ok(await reader.ReadAsync(cancellationToken)));
        return app;
    }
}
