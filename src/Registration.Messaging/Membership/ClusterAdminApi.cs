using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.ServiceDefaults.Http;

namespace Registration.Messaging.Membership;

/// <summary>GET /api/v1/admin/cluster: the members of this service's cluster and, where there is an outbox, which silo relays each partition.</summary>
public static class ClusterAdminApi
{
    public sealed record ClusterView(string Self, IReadOnlyList<ClusterMember> Members, IReadOnlyList<PartitionOwner>? Partitions);

    /// <param name="Owner">The silo whose relay grain holds the partition, or null when it did not answer.</param>
    /// <param name="Token">The epoch that activation took.</param>
    public sealed record PartitionOwner(short Partition, string? Owner, long Token, bool Live);

    public static IEndpointRouteBuilder MapClusterAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/cluster", GetClusterAsync)
            .WithTags("Admin")
            .WithName("GetCluster")
            .WithSummary("Members of this service's cluster and, where there is an outbox, the partition owners.")
            .Produces<ClusterView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return app;
    }

    private static async Task<IResult> GetClusterAsync(
        HttpContext http, NpgsqlDataSource db, InstanceIdentity me, IOptions<MembershipOptions> membership, CancellationToken cancellationToken)
    {
        var members = await ClusterMembers.ListAsync(db, membership.Value.DeadAfter, cancellationToken);
        var directory = http.RequestServices.GetService<IPartitionDirectory>();
        var partitions = directory is null ? null : await directory.ListAsync(cancellationToken);

        return TypedResults.Ok(new ClusterView(me.InstanceId, members, partitions));
    }
}
