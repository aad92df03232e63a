using System.Net.Http.Headers;
using System.Text;
using Dashboard.AccountDeletions;
using Dashboard.DeadLetters;
using Dashboard.Security;
using Dashboard.State;
using Dashboard.Upstream;
using Microsoft.Extensions.Options;
using Registration.ServiceDefaults.Http;

namespace Dashboard;

public static class Extensions
{
    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>().BindConfiguration(DashboardOptions.Section).ValidateDataAnnotations()
            .Validate(o => !o.InvalidUrls().Any(), "Dashboard:AuthApiUrls, Dashboard:TodoConsumerUrls and Dashboard:RabbitMqManagementUrl must be absolute http(s) URLs.")
            .ValidateOnStart();
        builder.Services.AddOptions<AdminOptions>()
            .Validate(o => !string.IsNullOrWhiteSpace(o.ApiKey), "Admin:ApiKey must be set: it is the dashboard's password (user 'admin') and the services' X-Admin-Key.")
            .ValidateOnStart();

        builder.Services.AddAuthentication(BasicAuthenticationHandler.SchemeName); // the admin login (ServiceDefaults) by default

        builder.Services.AddHttpClient(AdminApiClient.HttpClientName, (sp, http) =>
        {
            http.Timeout = sp.GetRequiredService<IOptions<DashboardOptions>>().Value.RequestTimeout;
            http.DefaultRequestHeaders.Add(AdminOptions.HeaderName, sp.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey);
        });
        builder.Services.AddHttpClient(RabbitQueues.HttpClientName, (sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<DashboardOptions>>().Value;
            http.Timeout = options.RequestTimeout;
            http.BaseAddress = new Uri(options.RabbitMqManagementUrl.TrimEnd('/') + "/api/");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.RabbitMqUser}:{options.RabbitMqPassword}")));
        });
        builder.Services.AddSingleton<AdminApiClient>();
        builder.Services.AddSingleton<RabbitQueues>();
        builder.Services.AddSingleton<StateReader>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }

    /// <summary>Everything but /health needs the admin login, the page and its assets included; then the static page.</summary>
    public static WebApplication UseDashboardLogin(this WebApplication app)
    {
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<RequireLoginMiddleware>();
        app.UseAuthorization();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        return app;
    }

    public static WebApplication MapDashboardApi(this WebApplication app)
    {
        app.MapStateApi();
        app.MapDeadLetterActionsApi();
        app.MapAccountDeletionActionsApi();
        return app;
    }
}
