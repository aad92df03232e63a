using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// One in-process instance of a service (AuthApi or TodoConsumer) with test settings. It reaches the
/// database and the broker through proxies of its own, so a test can stop it gracefully
/// (<see cref="StopAsync"/>) or kill it (<see cref="KillAsync"/>): every connection dropped at once and
/// nothing more said to anyone, which is what the rest of the cluster sees of a SIGKILL.
/// </summary>
public sealed class ServiceHost<TProgram> : WebApplicationFactory<TProgram>
    where TProgram : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private IHost? _host;

    public ServiceHost(IReadOnlyDictionary<string, string?> settings, TcpProxy database, TcpProxy broker)
    {
        _settings = settings;
        Database = database;
        Broker = broker;
    }

    /// <summary>What this instance logged (at the levels its Logging settings let through).</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>This instance's own path to the database.</summary>
    public TcpProxy Database { get; }

    /// <summary>This instance's own path to the broker.</summary>
    public TcpProxy Broker { get; }

    public bool IsRunning { get; private set; }

    /// <summary>Where the instance listens on loopback once started with <see cref="StartListening"/>.</summary>
    public Uri? Address { get; private set; }

    public void Start()
    {
        Logs.Start(() => _ = Server); // starts it: migrations run, workers start
        IsRunning = true;
    }

    /// <summary>Starts it on Kestrel at a free loopback port, reachable by real clients such as the gateway.</summary>
    public void StartListening()
    {
        UseKestrel(0);
        Logs.Start(StartServer);
        IsRunning = true;
        var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        Address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until the service's cluster client has reached a silo: until then its grain calls answer 503, and on a busy
    /// machine the first connection can take seconds.
    /// </summary>
    public Task WaitClusterConnectedAsync() =>
        Eventually.TrueAsync(
            () => Task.FromResult(Services.GetRequiredService<Registration.ServiceDefaults.Cluster.ClusterConnection>().Grains is not null),
            $"{typeof(TProgram).Namespace}'s cluster client to reach a silo",
            TimeSpan.FromSeconds(60));

    /// <summary>A graceful stop: workers finish or abandon in-flight work.</summary>
    public ValueTask StopAsync() => DisposeAsync();

    /// <summary>Connections cut first, then the process is gone: no goodbye, no acks.</summary>
    public ValueTask KillAsync()
    {
        Database.Cut();
        Broker.Cut();
        return DisposeAsync();
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _host = base.CreateHost(builder);
        return _host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>
    /// Stops the host while its services are still alive, then disposes it. (The base class would dispose
    /// the services before stopping the hosted services, so their graceful stop could not reach the database.)
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            var host = _host;
            _host = null;
            IsRunning = false;
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStopped.Register(() => stopped.TrySetResult()))
            {
                lifetime.StopApplication();
                await stopped.Task.WaitAsync(TimeSpan.FromSeconds(20));
            }

            host.Dispose();
        }

        await Database.DisposeAsync();
        await Broker.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
