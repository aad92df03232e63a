using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;

namespace Notifications.Features;

/// <summary><c>POST /api/v1/notifications/{id}/read</c> and <c>POST /api/v1/notifications/read-all</c>.</summary>
public static class MarkRead
{
    public static async Task<IResult> HandleAsync(string id, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        if (!NotificationRules.TryParseCursor(id, out var notification))
        {
            return NotificationRules.Invalid("id", "id must be a notification id (a positive integer).");
        }

        return await NotificationRules.Grain(cluster, principal).MarkReadAsync(notification).WaitAsync(cancellationToken)
            ? TypedResults.NoContent()
            : NotificationRules.NotFound();
    }

    public static async Task<IResult> HandleAllAsync(ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        await NotificationRules.Grain(cluster, principal).MarkAllReadAsync().WaitAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
