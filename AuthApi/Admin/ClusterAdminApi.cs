using Registration.ServiceDefaults.Http;

namespace AuthApi.Admin;

/// <summary>GET /api/v1/admin/cluster: Orleans' silos and which silo relays each outbox partition, as AuthApi (a client of the silos) sees them.</summary>
public static class ClusterAdminApi
{
    public sealed record ClusterView(IReadOnlyList<SiloView> Silos, IReadOnlyList<PartitionOwner> Partitions);

    /// <summary>A silo as Orleans' membership table has it (dead ones stay listed), with its activations when it is active.</summary>
    public sealed record SiloView(string Address, string Name, string Status, DateTime StartedAt, int? Activations);

    /// <param name="Owner">The silo whose relay grain holds the partition, or null when it did not answer.</param>
    /// <param name="Token">The epoch that activation took.</param>
    public sealed record PartitionOwner(string Outbox, short Partition, string? Owner, long Token, bool Live);

    public static IEndpointRouteBuilder MapClusterAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/cluster", async (OrleansDirectory orleans, CancellationToken cancellationToken) =>
                TypedResults.Ok(new ClusterView(await orleans.SilosAsync(cancellationToken), await orleans.PartitionsAsync(cancellationToken))))
            .WithTags("Admin")
            .WithName("GetCluster")
            .WithSummary("The Orleans silos and the silo and epoch of each outbox partition's relay grain.")
            .Produces<ClusterView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }
}
