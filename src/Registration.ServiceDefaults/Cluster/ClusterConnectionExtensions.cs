using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Registration.ServiceDefaults.Cluster;

public static class ClusterConnectionExtensions
{
    /// <summary>
    /// An Orleans client of the cluster named in section "Orleans", found through ConnectionStrings:Redis, in this
    /// service's own container (<paramref name="configure"/> adds to it, e.g. the Orleans dashboard). It is started
    /// by <see cref="ClusterConnection"/> instead of by the host, whose start would otherwise wait for a silo.
    /// </summary>
    public static IHostApplicationBuilder AddClusterConnection(this IHostApplicationBuilder builder, Action<IClientBuilder>? configure = null)
    {
        var identity = ClusterIdentityOptions.From(builder.Configuration);
        var redis = ClusterIdentityOptions.Redis(builder.Configuration);
        var hostedBefore = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToHashSet();
        builder.UseOrleansClient(client =>
        {
            client
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (identity.ClusterId, identity.ServiceId))
                .UseRedisClustering(o => o.ConfigurationOptions = redis)
                .AddActivityPropagation(); // a grain call continues the caller's trace
            configure?.Invoke(client);
        });
        var clientStart = builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && !hostedBefore.Contains(d)).ToList();
        if (clientStart.Count != 1)
        {
            throw new InvalidOperationException($"Expected the Orleans client to register one hosted service, found {clientStart.Count}.");
        }

        builder.Services.Remove(clientStart[0]);
        builder.Services.AddSingleton<ClusterConnection>();
        builder.Services.AddSingleton<IClientConnectionRetryFilter>(sp => sp.GetRequiredService<ClusterConnection>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterConnection>());
        builder.Services.AddHealthChecks().AddCheck<ClusterConnectionHealthCheck>("cluster");
        return builder;
    }
}
