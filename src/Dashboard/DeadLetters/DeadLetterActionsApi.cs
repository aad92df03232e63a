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

    private static async Task<IResult> ForwardAsync(
        AdminApiClient admin, IOptions<DashboardOptions> options, HttpMethod method, string suffix, CancellationToken cancellationToken)
    {
        Forwarded? answer;
        try
        {
            answer = await admin.SendAsync(options.Value.TodoConsumerUrls, method, $"/api/v1/admin/dead-letters{suffix}", cancellationToken);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status504GatewayTimeout,
                title: "TodoConsumer did not answer in time.",
                detail: "The action may or may not have been carried out; the list shows what is in the queue now.");
        }

        return answer is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "No TodoConsumer instance could be reached.")
            : TypedResults.Text(answer.Body, answer.ContentType.ToString(), statusCode: answer.StatusCode);
    }
}
