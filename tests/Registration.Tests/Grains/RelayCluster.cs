using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Registration.Grains;
using Registration.Messaging.Outbox;
using Registration.Silo;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Infrastructure;
using StackExchange.Redis;

namespace Registration.Tests.Grains;

/// <summary>
/// An in-process cluster of silos (the test cluster's membership; reminders in real Redis), relaying the outbox of one
/// <see cref="TestSystem"/> (its auth database, migrated by the silos, and its broker virtual host).
/// </summary>
public sealed class RelayCluster : IAsyncDisposable
{
    private RelayCluster(InProcessTestCluster cluster) => Cluster = cluster;

    public InProcessTestCluster Cluster { get; }

    public IGrainFactory Grains => Cluster.Client;

    public static async Task<RelayCluster> StartAsync(TestSystem system, short silos = 2, params (string Key, string? Value)[] overrides)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        var settings = system.SiloSettings();
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var cluster = new SiloClusterOptions { MinimumReminderPeriod = TimeSpan.FromSeconds(1) };
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Configuration.AddInMemoryCollection(settings);
            host.AddDatabase(typeof(OutboxStore).Assembly);
            host.AddGrainServices();
        });
        builder.ConfigureSilo((_, silo) => silo.UseRedisReminders(RedisOptions(), cluster));
        var built = builder.Build();
        await built.DeployAsync();
        return new RelayCluster(built);
    }

    public async ValueTask DisposeAsync()
    {
        var serviceId = Cluster.Options.ServiceId;
        await Cluster.DisposeAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisOptions());
        var server = redis.GetServers()[0];
        foreach (var key in server.Keys(pattern: $"{serviceId}*"))
        {
            await redis.GetDatabase().KeyDeleteAsync(key);
        }
    }

    private static ConfigurationOptions RedisOptions()
    {
        var options = ConfigurationOptions.Parse(TestSettings.Redis);
        options.AbortOnConnectFail = false;
        return options;
    }
}
