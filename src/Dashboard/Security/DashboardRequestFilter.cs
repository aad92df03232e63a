namespace Dashboard.Security;

/// <summary>
/// Actions that change something need the header <c>X-Requested-With: dashboard</c>, which the page's
/// script sends. A browser does not send a custom header cross-site without a CORS preflight this app never
/// allows, so another site cannot make a logged-in browser replay or discard dead letters (CSRF).
/// </summary>
public static class DashboardRequestFilter
{
    public const string HeaderName = "X-Requested-With";
    public const string HeaderValue = "dashboard";

    public static RouteGroupBuilder RequireDashboardRequest(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            if (!HttpMethods.IsGet(request.Method) && request.Headers[HeaderName] != HeaderValue)
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Not a request of the dashboard page.",
                    detail: $"Actions need the header {HeaderName}: {HeaderValue}.");
            }

            return await next(context);
        });
}
