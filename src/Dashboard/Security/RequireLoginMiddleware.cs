using Microsoft.AspNetCore.Authentication;
using Registration.ServiceDefaults.Http;

namespace Dashboard.Security;

/// <summary>
/// Challenges every request that is not logged in, before static files and endpoints, so the page and
/// its assets are never served without the credential. Only the health endpoints stay open, for probes, and /metrics
/// passes on to its own login (the scraper's, not the admin's). The 401 gets its problem+json body from the status-code
/// pages of ServiceDefaults.
/// </summary>
public sealed class RequireLoginMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/metrics")
            || http.User.Identity?.IsAuthenticated == true)
        {
            await next(http);
            return;
        }

        await http.ChallengeAsync(BasicAuthenticationHandler.SchemeName);
    }
}
