using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Registration.ServiceDefaults.Cluster;

public static class ClusterConnectionExtensions
{
    public static readonly TimeSpan GatewayListRefreshPeriod = TimeSpan.FromSeconds(1);

    /// <summary>
    /// An Orleans client of the cluster named in section "Orleans", found through ConnectionStrings:Redis, in this
    /// service's own container (<paramref name="configure"/> adds to it, e.g. the Orleans dashboard). It is started
    /// by <see cref="ClusterConnection"/> instead of by the host, whose start would otherwise wait for a silo.
    /// </summary>
    /// <param name="responseTimeout">
    /// How long a grain call waits for its answer (Orleans:ResponseTimeout overrides it; Orleans' own default is 30 s). A
    /// call that was on its way to a silo when that silo died or froze gets no answer at all, so this is how long such a
    /// call holds its caller.
    /// </param>
    public static IHostApplicationBuilder AddClusterConnection(
        this IHostApplicationBuilder builder, TimeSpan? responseTimeout = null, Action<IClientBuilder>? configure = null)
    {
        var identity = ClusterIdentityOptions.From(builder.Configuration);
        var redis = ClusterIdentityOptions.Redis(builder.Configuration);
        var timeout = builder.Configuration.GetValue<TimeSpan?>($"{ClusterIdentityOptions.Section}:ResponseTimeout") ?? responseTimeout;
        var hostedBefore = builder.Services.Where(d => d.ServiceType == typeof(IHostedService)).ToHashSet();
        builder.UseOrleansClient(client =>
        {
            client
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (identity.ClusterId, identity.ServiceId))
                .UseRedisClustering(o => o.ConfigurationOptions = redis)
                .AddActivityPropagation() // a grain call continues the caller's trace
                // The live gateways re-read from the membership table every second (Orleans' default is every minute): a
                // silo that froze keeps its connections open, so only this drops it from the client's rotation once the
                // cluster has declared it dead.
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = GatewayListRefreshPeriod);
            if (timeout is { } limit)
            {
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = limit);
            }

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
