using Notifications.Features;
using Notifications.Streaming;

namespace Notifications;

public static class NotificationEndpoints
{
    public static WebApplication MapNotificationsApi(this WebApplication app)
    {
        var notifications = app.MapGroup("/api/v1/notifications")
            .RequireAuthorization()
            .WithTags("Notifications")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        notifications.MapGet("/", ListNotifications.HandleAsync)
            .WithName("ListNotifications").WithSummary("The signed-in user's notifications, newest first; `next` is the cursor of the following page.")
            .Produces<ListNotifications.Response>()
            .ProducesValidationProblem();
        notifications.MapGet("/unread-count", UnreadCount.HandleAsync)
            .WithName("UnreadNotificationCount").WithSummary("How many of the user's notifications are unread.")
            .Produces<UnreadCount.Response>();
        notifications.MapPost("/{id}/read", MarkRead.HandleAsync)
            .WithName("MarkNotificationRead").WithSummary("Marks one of the user's notifications read.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        notifications.MapPost("/read-all", MarkRead.HandleAllAsync)
            .WithName("MarkAllNotificationsRead").WithSummary("Marks every notification of the user read.")
            .Produces(StatusCodes.Status204NoContent);
        notifications.MapGet("/stream", StreamNotifications.Handle)
            .WithName("StreamNotifications").WithSummary("Server-Sent Events: each new notification, `id:` its cursor; resume with the Last-Event-ID header.")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem();
        return app;
    }
}
