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

    /// <summary>The services' settings as shipped (src/*/appsettings.json), so baselines use the same batch size and concurrency.</summary>
    public ShippedSettings Shipped { get; } = ShippedSettings.Load(settings.RepositoryRoot);

    /// <summary>The relay's batch size in this run: the shipped one unless --auth-env Outbox__BatchSize overrides it.</summary>
    public int OutboxBatchSize => Override(Options.AuthEnvironment, "Outbox__BatchSize") ?? Shipped.OutboxBatchSize;

    /// <summary>The consumer's concurrency in this run: the shipped one unless --todo-env Consumer__Concurrency overrides it.</summary>
    public int ConsumerConcurrency => Override(Options.TodoEnvironment, "Consumer__Concurrency") ?? Shipped.ConsumerConcurrency;

    public int ConsumerBatchSize => Override(Options.TodoEnvironment, "Consumer__BatchSize") ?? Shipped.ConsumerBatchSize;

    private static int? Override(Dictionary<string, string> environment, string key) =>
        environment.TryGetValue(key, out var value) ? int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>The connection string a service process gets (AuthApi's with --auth-db-options appended).</summary>
    public string ServiceConnectionString(string project, string database) =>
        Settings.PostgresConnectionString(database) +
        (project == "AuthApi" && Options.AuthDatabaseOptions is { } options ? $";Options='{options}'" : "");

    /// <summary>Starts AuthApi or TodoService as a process with <paramref name="environment"/> plus the command line's overrides.</summary>
    public Task<ServiceProcess> StartServiceAsync(string project, string name, Dictionary<string, string> environment, string readyWhen, CancellationToken cancellationToken)
    {
        var overrides = project == "AuthApi" ? Options.AuthEnvironment : Options.TodoEnvironment;
        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        return ServiceProcess.StartAsync(Settings, project, name, environment, readyWhen, cancellationToken);
    }
}
