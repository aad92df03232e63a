using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Scenarios;

/// <summary>One benchmark scenario: measured several times, each run in a fresh <see cref="Sandbox"/>.</summary>
internal interface IScenario
{
    /// <summary>The name on the command line, e.g. "relay".</summary>
    string Key { get; }

    string Title { get; }

    /// <summary>What is measured and how, for the report.</summary>
    string Description { get; }

    IReadOnlyList<FigureSpec> Figures { get; }

    Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken);
}

/// <summary>What every scenario run may use.</summary>
internal sealed class BenchContext(BenchSettings settings, RabbitAdmin admin, BenchOptions options)
{
    public BenchSettings Settings { get; } = settings;

    public RabbitAdmin Admin { get; } = admin;

    public BenchOptions Options { get; } = options;

    /// <summary>The peers measured beside ours in this run (bench/Peers): the requested ones, or every one present.</summary>
    public IReadOnlyList<Peers.Peer> Peers { get; } = options.PeerKeys is { } keys
        ? keys.Select(key => Registration.Bench.Peers.Peer.All.FirstOrDefault(peer => peer.Key == key)
            ?? throw new ArgumentException($"unknown peer '{key}'; known: {string.Join(", ", Registration.Bench.Peers.Peer.All.Select(p => p.Key))}")).ToList()
        : Registration.Bench.Peers.Peer.Present(settings.RepositoryRoot);

    /// <summary>The services' settings as shipped (AuthApi/, Silo/, TodoConsumer/ appsettings.json), so baselines use the same batch size and concurrency.</summary>
    public ShippedSettings Shipped { get; } = ShippedSettings.Load(settings.RepositoryRoot);

    /// <summary>The relay's batch size in this run: the shipped one unless --auth-env Outbox__BatchSize overrides it.</summary>
    public int OutboxBatchSize => Override(Options.AuthEnvironment, "Outbox__BatchSize") ?? Shipped.OutboxBatchSize;

    /// <summary>The consumer's concurrency in this run: the shipped one unless --todo-env Consumer__Concurrency overrides it.</summary>
    public int ConsumerConcurrency => Override(Options.TodoEnvironment, "Consumer__Concurrency") ?? Shipped.ConsumerConcurrency;

    public int ConsumerBatchSize => Override(Options.TodoEnvironment, "Consumer__BatchSize") ?? Shipped.ConsumerBatchSize;

    private static int? Override(Dictionary<string, string> environment, string key) =>
        environment.TryGetValue(key, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The connection string a service process gets (AuthApi's and the silo's with --auth-db-options appended).</summary>
    public string ServiceConnectionString(string project, string database) =>
        Settings.PostgresConnectionString(database) +
        (project != "TodoConsumer" && Options.AuthDatabaseOptions is { } options ? $";Options='{options}'" : "");

    /// <summary>The Orleans cluster of a sandbox: its silos and AuthApi's client find each other through Redis.</summary>
    public Dictionary<string, string> ClusterEnvironment(Sandbox sandbox) => new()
    {
        ["ConnectionStrings__Redis"] = Settings.Redis,
        ["Orleans__ClusterId"] = sandbox.VirtualHost,
        ["Orleans__ServiceId"] = sandbox.VirtualHost,
    };

    /// <summary>A TodoConsumer instance of the sandbox's cluster; ready once its consumer is connected (after it reached a silo).</summary>
    public Task<ServiceProcess> StartTodoConsumerAsync(Sandbox sandbox, string name, CancellationToken cancellationToken)
    {
        var environment = ClusterEnvironment(sandbox);
        environment["ConnectionStrings__Database"] = ServiceConnectionString("TodoConsumer", sandbox.TodoDatabase);
        environment["RabbitMq__VirtualHost"] = sandbox.VirtualHost;
        return StartServiceAsync("TodoConsumer", name, environment, "\"consumer\":\"connected\"", cancellationToken);
    }

    /// <summary>A Notifications instance of the sandbox's cluster (notifications_queue consumer, API and stream); ready once its consumer is connected.</summary>
    public Task<ServiceProcess> StartNotificationsAsync(Sandbox sandbox, string name, CancellationToken cancellationToken)
    {
        var environment = ClusterEnvironment(sandbox);
        environment["ConnectionStrings__Database"] = ServiceConnectionString("TodoConsumer", sandbox.NotifyDatabase);
        environment["RabbitMq__VirtualHost"] = sandbox.VirtualHost;
        return StartServiceAsync("Notifications", name, environment, "\"notifications-consumer\":\"connected\"", cancellationToken);
    }

    /// <summary>One silo relaying the sandbox's outbox and hosting its users' grains; ready once its relays are connected to the broker.</summary>
    /// <param name="siloPort">Orleans' silo port (the failover scenario knows which silo owns a partition by it); a free one when null.</param>
    public Task<ServiceProcess> StartSiloAsync(Sandbox sandbox, string name, int? brokerPort, CancellationToken cancellationToken, int? siloPort = null)
    {
        var environment = ClusterEnvironment(sandbox);
        environment["ConnectionStrings__Database"] = ServiceConnectionString("Silo", sandbox.AuthDatabase);
        environment["ConnectionStrings__TodoDatabase"] = ServiceConnectionString("TodoConsumer", sandbox.TodoDatabase);
        // The users' notifications grains write to the sandbox's notify database (the notification scenarios run the Notifications service).
        environment["ConnectionStrings__NotifyDatabase"] = ServiceConnectionString("TodoConsumer", sandbox.NotifyDatabase);
        environment["RabbitMq__VirtualHost"] = sandbox.VirtualHost;
        environment["RabbitMq__Port"] = (brokerPort ?? Settings.RabbitPort).ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Orleans__SiloPort"] = (siloPort ?? ServiceProcess.FreePort()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Orleans__GatewayPort"] = ServiceProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        return StartServiceAsync("Silo", name, environment, "\"outbox-relay\":\"connected\"", cancellationToken);
    }

    /// <summary>
    /// Starts AuthApi, a Silo or TodoConsumer as a process with <paramref name="environment"/> plus the command line's
    /// overrides (--auth-env applies to AuthApi and the silos, which relay AuthApi's outbox).
    /// </summary>
    public Task<ServiceProcess> StartServiceAsync(string project, string name, Dictionary<string, string> environment, string readyWhen, CancellationToken cancellationToken)
    {
        var overrides = project switch
        {
            "TodoConsumer" => Options.TodoEnvironment,
            "Notifications" => new Dictionary<string, string>(),
            _ => Options.AuthEnvironment,
        };
        // The bench's broker (BENCH_RABBIT_*), unless the caller chose a port (a proxy's): never the appsettings' default port.
        environment.TryAdd("RabbitMq__Host", Settings.RabbitHost);
        environment.TryAdd("RabbitMq__Port", Settings.RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        environment.TryAdd("RabbitMq__UserName", Settings.RabbitUser);
        environment.TryAdd("RabbitMq__Password", Settings.RabbitPassword);
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        return ServiceProcess.StartAsync(Settings, project, name, environment, readyWhen, cancellationToken);
    }
}
