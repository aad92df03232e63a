using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.ServiceDefaults.Http;

namespace Registration.Messaging.Membership;

/// <summary>
/// GET /api/v1/admin/cluster: the members of this service's cluster and, on AuthApi (a client of the silos),
/// Orleans' silos and which silo relays each outbox partition.
/// </summary>
public static class ClusterAdminApi
{
    public sealed record ClusterView(string Self, IReadOnlyList<ClusterMember> Members, IReadOnlyList<SiloView>? Silos, IReadOnlyList<PartitionOwner>? Partitions);

    /// <summary>A silo as Orleans' membership table has it (dead ones stay listed), with its activations when it is active.</summary>
    public sealed record SiloView(string Address, string Name, string Status, DateTime StartedAt, int? Activations);

    /// <param name="Owner">The silo whose relay grain holds the partition, or null when it did not answer.</param>
    /// <param name="Token">The epoch that activation took.</param>
    public sealed record PartitionOwner(short Partition, string? Owner, long Token, bool Live);

    public static IEndpointRouteBuilder MapClusterAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/cluster", GetClusterAsync)
            .WithTags("Admin")
            .WithName("GetCluster")
            .WithSummary("Members of this service's cluster and, on AuthApi, the Orleans silos and the outbox partitions' silos.")
            .Produces<ClusterView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<IResult> GetClusterAsync(
        HttpContext http, NpgsqlDataSource db, InstanceIdentity me, IOptions<MembershipOptions> membership, CancellationToken cancellationToken)
    {
        var members = await ClusterMembers.ListAsync(db, membership.Value.DeadAfter, cancellationToken);
        var orleans = http.RequestServices.GetService<IOrleansDirectory>();
        var silos = orleans is null ? null : await orleans.SilosAsync(cancellationToken);
        var partitions = orleans is null ? null : await orleans.PartitionsAsync(cancellationToken);
        return TypedResults.Ok(new ClusterView(me.InstanceId, members, silos, partitions));
    }
}
