using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Registration.Grains;
using Registration.Grains.Accounts;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;
using Registration.ServiceDefaults.Http;
using StackExchange.Redis;

namespace Registration.Silo;

public static class SiloExtensions
{
    /// <summary>Grain locations a silo remembers: more than the relays and the users active within minutes; a miss costs one directory lookup.</summary>
    public const int DirectoryCacheSize = 100_000;

    /// <summary>
    /// The silo: the outbox database (whose schema it migrates, as AuthApi does: whichever starts first), its grains'
    /// services, and an Orleans cluster on Redis.
    /// </summary>
    public static IHostApplicationBuilder AddSilo(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(OutboxStore).Assembly);
        builder.AddGrainServices();
        builder.Services.AddOptions<SiloClusterOptions>().BindConfiguration(SiloClusterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<OutboxOptions>, ReminderPeriodValidator>();
        builder.Services.AddSingleton<IValidateOptions<AccountOptions>, ReminderPeriodValidator>();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        var cluster = builder.Configuration.GetSection(SiloClusterOptions.Section).Get<SiloClusterOptions>() ?? new SiloClusterOptions();
        var identity = ClusterIdentityOptions.From(builder.Configuration);
        var redis = ClusterIdentityOptions.Redis(builder.Configuration);
        builder.UseOrleans(silo => silo
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (identity.ClusterId, identity.ServiceId))
            .UseRedisClustering(o => o.ConfigurationOptions = redis)
            .UseRedisReminders(redis, cluster)
            .AddActivityPropagation()
            // Orleans presizes two directory caches to CacheSize (default 1,000,000: 18 MB) and its cache-size gauge walks them every second for the dashboard.
            .Configure<GrainDirectoryOptions>(o => o.CacheSize = DirectoryCacheSize)
            .ConfigureEndpoints(System.Net.IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false)
            .AddDashboard()); // its figures only: the operations dashboard serves its UI (src/Dashboard/Cluster)
        return builder;
    }

    /// <summary>
    /// Reminders in Redis (the relays and the cleaner started once at start, kept alive by their reminders), and failure
    /// detection tuned for fast failover: a silo that misses two probes of one second each is voted dead (under a second
    /// after a kill on loopback), so its relay partitions come back on a survivor within seconds instead of Orleans'
    /// default of about a minute.
    /// </summary>
    public static ISiloBuilder UseRedisReminders(this ISiloBuilder silo, ConfigurationOptions redis, SiloClusterOptions cluster) => silo
        .UseRedisReminderService(o => o.ConfigurationOptions = redis)
        .AddStartupTask<GrainStarter>()
        .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = cluster.MinimumReminderPeriod)
        .Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        });
}
