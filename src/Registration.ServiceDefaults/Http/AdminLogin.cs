using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// The HTTP Basic logins of what a browser or Prometheus fetches. The admin's (<see cref="Policy"/>): user admin, password
/// Admin:ApiKey, for the dashboards; the JSON admin API takes the same key as X-Admin-Key. The scraper's
/// (<see cref="MetricsPolicy"/>): Metrics:Username and Metrics:Password, for /metrics only. Each scheme checks its own
/// account, so the admin key does not scrape and the scraper's password administers nothing.
/// </summary>
public static class AdminLogin
{
    public const string Policy = "admin";
    public const string MetricsPolicy = "metrics";
    public const string MetricsScheme = "MetricsBasic";

    public static IServiceCollection AddAdminLogin(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section)
            .Validate<IConfiguration>(
                (metrics, configuration) => string.IsNullOrEmpty(metrics.Password) || metrics.Password != configuration[$"{AdminOptions.Section}:{nameof(AdminOptions.ApiKey)}"],
                "Metrics:Password must not be the admin key (Admin:ApiKey): a scraper's credential must not administer.")
            .ValidateOnStart();
        services.AddOptions<BasicAccountOptions>(BasicAuthenticationHandler.SchemeName)
            .Configure<IOptions<AdminOptions>>((account, admin) => (account.UserName, account.Password, account.Realm) = ("admin", admin.Value.ApiKey, "Registration admin"));
        services.AddOptions<BasicAccountOptions>(MetricsScheme)
            .Configure<IOptions<MetricsOptions>>((account, metrics) => (account.UserName, account.Password, account.Realm) = (metrics.Value.Username, metrics.Value.Password, "Registration metrics"));
        services.AddAuthentication()
            .AddScheme<BasicAccountOptions, BasicAuthenticationHandler>(BasicAuthenticationHandler.SchemeName, null)
            .AddScheme<BasicAccountOptions, BasicAuthenticationHandler>(MetricsScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(BasicAuthenticationHandler.SchemeName).RequireAuthenticatedUser())
            .AddPolicy(MetricsPolicy, policy => policy.AddAuthenticationSchemes(MetricsScheme).RequireAuthenticatedUser());
        return services;
    }
}
