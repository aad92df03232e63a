using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Registration.ServiceDefaults.Cluster;

public static class ClusterConnectionExtensions
{
    /// <summary>An Orleans client of the cluster named in section "Orleans", found through ConnectionStrings:Redis.</summary>
    public static IHostApplicationBuilder AddClusterConnection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ClusterConnection>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterConnection>());
        builder.Services.AddHealthChecks().AddCheck<ClusterConnectionHealthCheck>("cluster");
        return builder;
    }
}
