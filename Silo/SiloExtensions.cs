using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Registration.Grains;
using Registration.ServiceDefaults.Data;
using StackExchange.Redis;

namespace Registration.Silo;

public static class SiloExtensions
{
    /// <summary>The silo: its grains' services, the outbox database, and an Orleans cluster on Redis.</summary>
    public static IHostApplicationBuilder AddSilo(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(SiloExtensions).Assembly);
        builder.AddGrainServices();
        builder.Services.AddOptions<SiloClusterOptions>().BindConfiguration(SiloClusterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        var cluster = builder.Configuration.GetSection(SiloClusterOptions.Section).Get<SiloClusterOptions>() ?? new SiloClusterOptions();
        var redis = RedisOptions(builder.Configuration);
        builder.UseOrleans(silo => silo
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId))
            .UseRedisClustering(o => o.ConfigurationOptions = redis)
            .UseRedisReminders(redis, cluster)
            .ConfigureEndpoints(System.Net.IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false)
            .AddStartupTask<RelayStartup>());
        return builder;
    }

    /// <summary>
    /// Reminders in Redis, and failure detection tuned for fast failover: a silo that misses two
    /// probes of one second each is voted dead (under a second after a kill on loopback, ORLEANS-NOTES.md), so
    /// its relay partitions come back on a survivor within seconds instead of Orleans' default of about a minute.
    /// </summary>
    public static ISiloBuilder UseRedisReminders(this ISiloBuilder silo, ConfigurationOptions redis, SiloClusterOptions cluster) => silo
        .UseRedisReminderService(o => o.ConfigurationOptions = redis)
        .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = cluster.MinimumReminderPeriod)
        .Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        });

    /// <summary>ConnectionStrings:Redis; a silo started before Redis keeps trying instead of failing.</summary>
    public static ConfigurationOptions RedisOptions(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new OptionsValidationException("ConnectionStrings:Redis", typeof(ConfigurationOptions),
                ["ConnectionStrings:Redis is not set (e.g. 127.0.0.1:6380)."]);
        }

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return options;
    }
}
