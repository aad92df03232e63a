using Dashboard.Security;
using Dashboard.Upstream;
using Microsoft.Extensions.Options;

namespace Dashboard.AccountDeletions;

/// <summary>
/// The page's account-deletion views and action, passed on to AuthApi's admin API and its answer passed back as it is:
/// the deletions under way, and an operator's retry of a Stuck one (200 the deletion, now Erasing; 409 problem+json when
/// it is not Stuck, whose title and detail say why).
/// </summary>
public static class AccountDeletionActionsApi
{
    private const string AdminPath = "/api/v1/admin/account-deletions";

    public static IEndpointRouteBuilder MapAccountDeletionActionsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/dashboard/account-deletions").RequireDashboardRequest();
        group.MapGet("", (AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Get, "", cancellationToken));
        group.MapPost("/{userId:guid}/retry", (Guid userId, AdminApiClient admin, IOptions<DashboardOptions> options, CancellationToken cancellationToken) =>
            ForwardAsync(admin, options, HttpMethod.Post, $"/{userId}/retry", cancellationToken));
        return app;
    }

    private static Task<IResult> ForwardAsync(
        AdminApiClient admin, IOptions<DashboardOptions> options, HttpMethod method, string suffix, CancellationToken cancellationToken) =>
        AdminAction.ForwardAsync(
            admin, "AuthApi", options.Value.AuthApiUrls, method, $"{AdminPath}{suffix}",
            "the list shows the deletion's state now", cancellationToken);
}
