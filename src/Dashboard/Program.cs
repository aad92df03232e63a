using Dashboard.Cluster;
using Registration.ServiceDefaults;

namespace Dashboard;

public sealed class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddDashboard();
        builder.AddOrleansDashboardClient();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UseDashboardLogin();
        app.MapDefaultEndpoints();
        app.MapDashboardApi();
        app.MapOrleansDashboardBehindLogin();
        app.Run();
    }
}
