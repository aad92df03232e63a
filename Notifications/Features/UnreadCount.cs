using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;

namespace Notifications.Features;

/// <summary><c>GET /api/v1/notifications/unread-count</c>.</summary>
public static class UnreadCount
{
    public sealed record Response(long Unread);

    public static async Task<IResult> HandleAsync(ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(new Response(await NotificationRules.Grain(cluster, principal).UnreadCountAsync().WaitAsync(cancellationToken)));
}
