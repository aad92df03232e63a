using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Http;

namespace Registration.Messaging.Membership;

/// <summary>GET /api/v1/admin/cluster: the members of this service's cluster and, where there is an outbox, who owns each partition.</summary>
public static class ClusterAdminApi
{
    public sealed record ClusterView(string Self, IReadOnlyList<ClusterMember> Members, IReadOnlyList<PartitionOwner>? Partitions);

    public sealed record PartitionOwner(short Partition, string? Owner, long Token, DateTime ExpiresAt, bool Live);

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
        IReadOnlyList<PartitionOwner>? partitions = null;
        if (http.RequestServices.GetService<PartitionLeases>() is not null)
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            partitions = (await connection.QueryAsync<PartitionOwner>(new CommandDefinition(
                """
                SELECT partition, owner, token, expires_at AS ExpiresAt, (owner IS NOT NULL AND expires_at > now()) AS Live
                FROM outbox_leases ORDER BY partition
                """, cancellationToken: cancellationToken))).ToList();
        }

        return TypedResults.Ok(new ClusterView(me.InstanceId, members, partitions));
    }
}
