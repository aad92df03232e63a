using Orleans.Dashboard;
using Registration.ServiceDefaults.Cluster;

namespace Dashboard.Cluster;

/// <summary>
/// Orleans' own dashboard (silos, grains, reminders) at /orleans/, behind the same login as this page. Its UI is
/// served here, by a client of the cluster, and not by the silos: its assets and history would be in every silo's
/// memory (without them a silo peaks at 208 MiB at 20 registrations/s, BENCHMARKS.md). The silos only collect its
/// figures (AddDashboard on the silo).
/// </summary>
public static class OrleansDashboardExtensions
{
    public const string RoutePrefix = "/orleans";

    public static IHostApplicationBuilder AddOrleansDashboardClient(this IHostApplicationBuilder builder) =>
        builder.AddClusterConnection(configure: client => client.AddDashboard());

    /// <summary>
    /// While no silo has been reached yet, 503 with a problem that says so: Orleans' own endpoints would fail with a
    /// 500 (their grain proxies are made before any endpoint filter runs). A path whose silo address cannot be parsed
    /// (e.g. /orleans/SiloStats/not-a-silo) fails the activation of Orleans' proxy grain with a FormatException:
    /// that is the client's error, 400.
    /// </summary>
    public static WebApplication MapOrleansDashboardBehindLogin(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(RoutePrefix), orleans => orleans.Use(async (http, next) =>
        {
            if (http.RequestServices.GetRequiredService<ClusterConnection>().Grains is null)
            {
                await Results.Problem(
                    title: "Not connected to the Orleans cluster yet",
                    detail: "No silo has been reached yet; the Orleans dashboard appears once one is.",
                    statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(http);
                return;
            }

            try
            {
                await next(http);
            }
            catch (Exception ex) when (ex.InnerException is FormatException malformed && !http.Response.HasStarted)
            {
                await Results.Problem(
                    title: "The Orleans dashboard cannot read this request",
                    detail: malformed.Message,
                    statusCode: StatusCodes.Status400BadRequest).ExecuteAsync(http);
            }
        }));
        app.MapOrleansDashboard(RoutePrefix);
        return app;
    }
}
