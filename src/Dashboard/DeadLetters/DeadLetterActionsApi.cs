using Dashboard.Security;
using Dashboard.Upstream;
using Microsoft.Extensions.Options;

namespace Dashboard.DeadLetters;

/// <summary>
/// The page's dead-letter actions, passed on to TodoConsumer's admin API and its answer passed back as it
/// is (200, or problem+json 404/503...): list, replay one, replay all, discard one.
/// </summary>
public static class DeadLetterActionsApi
{
    public static IEndpointRouteBuilder MapDeadLetterActionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/dashboard/dead-letters").RequireDashboardRequest();
        group.MapGet("", (int? limit, AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Get, $"?limit={limit ?? options.Value.DeadLetterListLimit}", cancellationToken));
        group.MapPost("/replay-all", (AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Post, "/replay-all", cancellationToken));
        group.MapPost("/{eventId}/replay", (string eventId, AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Post, $"/{Uri.EscapeDataString(eventId)}/replay", cancellationToken));
        group.MapDelete("/{eventId}", (string eventId, AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Delete, $"/{Uri.EscapeDataString(eventId)}", cancellationToken));
        return app;
    }

    private static Task<IResult> ForwardAsync(
        AdminApiClient admin, IOptions<DashboardOptions> options, HttpMethod method, string suffix, CancellationToken cancellationToken) =>
        AdminAction.ForwardAsync(
            admin, "TodoConsumer", options.Value.TodoConsumerUrls, method, $"/api/v1/admin/dead-letters{suffix}",
            "the list shows what is in the queue now", cancellationToken);
}
