using System.Globalization;
using System.Security.Claims;
using Registration.Contracts;
using Registration.ServiceDefaults.Cluster;

namespace Notifications.Features;

/// <summary><c>GET /api/v1/notifications?limit=N&amp;before=CURSOR</c>: the user's notifications, newest first.</summary>
public static class ListNotifications
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public sealed record Response(IReadOnlyList<Notification> Items, long? Next);

    public static async Task<IResult> HandleAsync(
        string? limit, string? before, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            return NotificationRules.Invalid("limit", $"limit must be an integer from 1 to {MaxLimit}.");
        }

        long? cursor = null;
        if (before is not null)
        {
            if (!NotificationRules.TryParseCursor(before, out var parsed))
            {
                return NotificationRules.Invalid("before", "before must be a cursor from a previous page (a positive integer).");
            }

            cursor = parsed;
        }

        var page = await NotificationRules.Grain(cluster, principal).ListAsync(take, cursor).WaitAsync(cancellationToken);
        return TypedResults.Ok(new Response(page.Items, page.Next));
    }
}
