using System.Globalization;
using System.Security.Claims;
using Registration.Grains;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;

namespace Notifications.Features;

/// <summary>What every notification endpoint shares: the signed-in user's grain, the cursor rule and the 404.</summary>
public static class NotificationRules
{
    /// <summary>The signed-in user's grain; no reachable silo is a 503 with Retry-After (our tokens always name the user).</summary>
    public static INotificationsGrain Grain(ClusterConnection cluster, ClaimsPrincipal principal) =>
        cluster.RequireGrains().GetGrain<INotificationsGrain>(UserId(principal));

    public static Guid UserId(ClaimsPrincipal principal) =>
        principal.FindUserId() ?? throw new BadHttpRequestException("The token names no user.", StatusCodes.Status401Unauthorized);

    public static IResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Notification not found.");

    /// <summary>A cursor is a notification id: a positive integer.</summary>
    public static bool TryParseCursor(string? text, out long cursor) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cursor) && cursor > 0;

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
