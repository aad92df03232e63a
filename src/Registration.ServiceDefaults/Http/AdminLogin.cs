using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// The admin login of the pages and scrapes that a browser or Prometheus fetches (the dashboards, /metrics):
/// HTTP Basic, user admin, password Admin:ApiKey. The JSON admin API takes the same key as X-Admin-Key.
/// </summary>
public static class AdminLogin
{
    public const string Policy = "admin";

    public static IServiceCollection AddAdminLogin(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(BasicAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        return services;
    }
}
