using System.Security.Claims;
using Microsoft.Extensions.Options;
using Notifications.Features;
using Registration.ServiceDefaults.Cluster;

namespace Notifications.Streaming;

/// <summary><c>GET /api/v1/notifications/stream</c>: Server-Sent Events, resumable with the Last-Event-ID header.</summary>
public static class StreamNotifications
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public static IResult Handle(
        HttpRequest request, ClaimsPrincipal principal, ClusterConnection cluster, IOptions<NotificationStreamOptions> options, ILoggerFactory loggers)
    {
        long? lastEventId = null;
        if (request.Headers.TryGetValue(LastEventIdHeader, out var header))
        {
            // 0 is accepted: "from the beginning".
            if (header.Count != 1 || !long.TryParse(header[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return NotificationRules.Invalid(LastEventIdHeader, "Last-Event-ID must be the id of a received event (a non-negative integer).");
            }

            lastEventId = parsed;
        }

        var grains = cluster.RequireGrains();
        return new NotificationStreamResult(
            grains, NotificationRules.Grain(cluster, principal), lastEventId, options.Value, loggers.CreateLogger<NotificationStreamResult>());
    }
}
