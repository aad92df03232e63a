using Dapper;
using Npgsql;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Data;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// Everything one test needs, isolated from every other test: its own three databases (auth, todo, notify), its own RabbitMQ
/// virtual host (so the contract's fixed exchange and queue names never collide), and TCP proxies in front
/// of PostgreSQL and RabbitMQ through which the services under test connect, so the test can cut them; and its
/// own Orleans cluster (ClusterId) of silo processes, started on demand.
/// </summary>
public sealed class TestSystem : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly List<ServiceProcess> _processes = [];

    private TestSystem(string id)
    {
        Id = id;
        AuthDatabaseProxy = new TcpProxy(TestSettings.PostgresHost, TestSettings.PostgresPort);
        TodoDatabaseProxy = new TcpProxy(TestSettings.PostgresHost, TestSettings.PostgresPort);
        NotifyDatabaseProxy = new TcpProxy(TestSettings.PostgresHost, TestSettings.PostgresPort);
        BrokerProxy = new TcpProxy(TestSettings.RabbitHost, TestSettings.RabbitPort);
        AuthDb = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString(AuthDatabase));
        TodoDb = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString(TodoDatabase));
        NotifyDb = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString(NotifyDatabase));
    }

    public string Id { get; }

    public string AuthDatabase => $"test_auth_{Id}";

    public string TodoDatabase => $"test_todo_{Id}";

    public string NotifyDatabase => $"test_notify_{Id}";

    public string VirtualHost => $"test_{Id}";

    public TcpProxy AuthDatabaseProxy { get; }

    public TcpProxy TodoDatabaseProxy { get; }

    public TcpProxy NotifyDatabaseProxy { get; }

    public TcpProxy BrokerProxy { get; }

    /// <summary>Direct (not proxied) access to the auth database, for assertions.</summary>
    public NpgsqlDataSource AuthDb { get; }

    /// <summary>Direct (not proxied) access to the todo database, for assertions.</summary>
    public NpgsqlDataSource TodoDb { get; }

    /// <summary>Direct (not proxied) access to the notify database, for assertions.</summary>
    public NpgsqlDataSource NotifyDb { get; }

    public static async Task<TestSystem> CreateAsync()
    {
        var system = new TestSystem(Guid.NewGuid().ToString("N")[..12]);
        await using var admin = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString("postgres"));
        await using (var connection = await admin.OpenConnectionAsync())
        {
            await connection.ExecuteAsync($"CREATE DATABASE {system.AuthDatabase}");
            await connection.ExecuteAsync($"CREATE DATABASE {system.TodoDatabase}");
            await connection.ExecuteAsync($"CREATE DATABASE {system.NotifyDatabase}");
        }

        await RabbitManagement.CreateVirtualHostAsync(system.VirtualHost);
        return system;
    }

    public ServiceHost<AuthApi.Program> StartAuthApi(params (string Key, string? Value)[] overrides) =>
        Start<AuthApi.Program>("auth-api", AuthDatabase, AuthDatabaseProxy, overrides);

    /// <summary>An AuthApi instance on Kestrel at a loopback port (see <see cref="ServiceHost{T}.Address"/>).</summary>
    public ServiceHost<AuthApi.Program> StartAuthApiListening(params (string Key, string? Value)[] overrides) =>
        Start<AuthApi.Program>("auth-api", AuthDatabase, AuthDatabaseProxy, overrides, listen: true);

    public ServiceHost<TodoConsumer.Program> StartTodoConsumer(params (string Key, string? Value)[] overrides) =>
        Start<TodoConsumer.Program>("todo-consumer", TodoDatabase, TodoDatabaseProxy, overrides);

    /// <summary>A TodoConsumer instance on Kestrel at a loopback port (see <see cref="ServiceHost{T}.Address"/>).</summary>
    public ServiceHost<TodoConsumer.Program> StartTodoConsumerListening(params (string Key, string? Value)[] overrides) =>
        Start<TodoConsumer.Program>("todo-consumer", TodoDatabase, TodoDatabaseProxy, overrides, listen: true);

    public ServiceHost<global::Notifications.Program> StartNotifications(params (string Key, string? Value)[] overrides) =>
        Start<global::Notifications.Program>("notifications", NotifyDatabase, NotifyDatabaseProxy, overrides);

    /// <summary>A Notifications instance on Kestrel at a loopback port (see <see cref="ServiceHost{T}.Address"/>).</summary>
    public ServiceHost<global::Notifications.Program> StartNotificationsListening(params (string Key, string? Value)[] overrides) =>
        Start<global::Notifications.Program>("notifications", NotifyDatabase, NotifyDatabaseProxy, overrides, listen: true);

    /// <summary>
    /// A Notifications process of this system (through the shared database and broker proxies), so that a test can kill it
    /// with SIGKILL. Returns once it is ready.
    /// </summary>
    public async Task<ServiceProcess> StartNotificationsProcessAsync(params (string Key, string? Value)[] overrides)
    {
        var notifications = ServiceProcess.StartNotifications(Settings("notifications", TestSettings.PostgresConnectionString(NotifyDatabase, NotifyDatabaseProxy.Port), BrokerProxy.Port, overrides));
        _processes.Add(notifications);
        await notifications.WaitReadyAsync();
        return notifications;
    }

    /// <summary>
    /// A silo process of this system's cluster (ClusterId = ServiceId = the system's id, membership and reminders in
    /// Redis): it relays this system's outbox through the shared database and broker proxies. Returns once it is ready.
    /// </summary>
    public async Task<ServiceProcess> StartSiloAsync(params (string Key, string? Value)[] overrides)
    {
        var settings = SiloSettings();
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var silo = ServiceProcess.StartSilo(settings);
        _processes.Add(silo);
        await silo.WaitReadyAsync();
        return silo;
    }

    /// <summary>
    /// A TodoConsumer process of this system (through the shared database and broker proxies), so that a test can kill it
    /// with SIGKILL. Returns once it is ready.
    /// </summary>
    public async Task<ServiceProcess> StartTodoConsumerProcessAsync(params (string Key, string? Value)[] overrides)
    {
        var consumer = ServiceProcess.StartTodoConsumer(Settings("todo-consumer", TestSettings.PostgresConnectionString(TodoDatabase, TodoDatabaseProxy.Port), BrokerProxy.Port, overrides));
        _processes.Add(consumer);
        await consumer.WaitReadyAsync();
        return consumer;
    }

    /// <summary>A silo's settings for this system: its database and broker through the shared proxies, short relay timings.</summary>
    public Dictionary<string, string?> SiloSettings() => new()
    {
        ["ConnectionStrings:Database"] = TestSettings.PostgresConnectionString(AuthDatabase, AuthDatabaseProxy.Port),
        ["ConnectionStrings:TodoDatabase"] = TestSettings.PostgresConnectionString(TodoDatabase, TodoDatabaseProxy.Port),
        ["ConnectionStrings:NotifyDatabase"] = TestSettings.PostgresConnectionString(NotifyDatabase, NotifyDatabaseProxy.Port),
        ["ConnectionStrings:Redis"] = TestSettings.Redis,
        ["Orleans:ClusterId"] = ClusterId,
        ["Orleans:ServiceId"] = ClusterId,
        ["Orleans:MinimumReminderPeriod"] = "00:00:01",
        // Account deletions in seconds: a grace period of one, requests re-sent after one, then two.
        ["Account:DeletionGrace"] = "00:00:01",
        ["Account:StepTimeout"] = "00:00:01",
        ["Account:MaxStepBackoff"] = "00:00:02",
        ["RabbitMq:Host"] = "127.0.0.1",
        ["RabbitMq:Port"] = BrokerProxy.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RabbitMq:VirtualHost"] = VirtualHost,
        ["RabbitMq:UserName"] = TestSettings.RabbitUser,
        ["RabbitMq:Password"] = TestSettings.RabbitPassword,
        ["RabbitMq:ClientName"] = "silo",
        ["Outbox:PollInterval"] = "00:00:00.200",
        ["Outbox:RetryInitialDelay"] = "00:00:00.100",
        ["Outbox:RetryMaxDelay"] = "00:00:01",
        ["Outbox:KeepAlivePeriod"] = "00:00:02",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Registration"] = "Information",
    };

    /// <summary>A silo whose relays are connected to the broker (start AuthApi first: it creates the outbox schema).</summary>
    public async Task<ServiceProcess> StartRelayingSiloAsync(params (string Key, string? Value)[] overrides)
    {
        var silo = await StartSiloAsync(overrides);
        using var http = new HttpClient { BaseAddress = silo.Address };
        await Eventually.TrueAsync(
            async () => (await http.GetStringAsync(new Uri("/health/ready", UriKind.Relative))).Contains("\"outbox-relay\":\"connected\"", StringComparison.Ordinal),
            "the silo's relays to connect to the broker");
        return silo;
    }

    /// <summary>The Orleans cluster (and service) id of this system's silos and clients.</summary>
    public string ClusterId => $"test_{Id}";

    /// <summary>Stops every running instance of a service gracefully.</summary>
    public async Task StopAllAsync<TProgram>()
        where TProgram : class
    {
        foreach (var host in _hosts.OfType<ServiceHost<TProgram>>().Where(h => h.IsRunning).ToList())
        {
            await host.StopAsync();
        }
    }

    private ServiceHost<TProgram> Start<TProgram>(string name, string database, TcpProxy databaseProxy, (string Key, string? Value)[] overrides, bool listen = false)
        where TProgram : class
    {
        // The instance's own proxies sit in front of the shared ones: the test can cut the broker or the
        // database for everybody (shared proxy) or kill one instance (its own proxies).
        var ownDatabase = new TcpProxy("127.0.0.1", databaseProxy.Port);
        var ownBroker = new TcpProxy("127.0.0.1", BrokerProxy.Port);
        var host = new ServiceHost<TProgram>(Settings(name, TestSettings.PostgresConnectionString(database, ownDatabase.Port), ownBroker.Port, overrides), ownDatabase, ownBroker);
        _hosts.Add(host);
        if (listen)
        {
            host.StartListening();
        }
        else
        {
            host.Start();
        }

        return host;
    }

    /// <summary>
    /// Unbinds (<paramref name="bind"/> false) or binds again every queue of the contract that takes
    /// <paramref name="routingKey"/>: unbound, an event with that key is unroutable and returned to its publisher.
    /// </summary>
    public async Task RouteAsync(string routingKey, bool bind)
    {
        await using var connection = await ConnectBrokerAsync(declareTopology: false);
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in QueueContract.All.Where(q => q.RoutingKeys.Contains(routingKey)))
        {
            if (bind)
            {
                await channel.QueueBindAsync(queue.Queue, Topology.Exchange, routingKey);
            }
            else
            {
                await channel.QueueUnbindAsync(queue.Queue, Topology.Exchange, routingKey);
            }
        }
    }

    /// <summary>A direct connection to this test's virtual host, with the topology declared unless told otherwise.</summary>
    public async Task<IConnection> ConnectBrokerAsync(bool declareTopology = true)
    {
        var connector = new RabbitMqConnector(Microsoft.Extensions.Options.Options.Create(new RabbitMqOptions
        {
            Host = TestSettings.RabbitHost,
            Port = TestSettings.RabbitPort,
            VirtualHost = VirtualHost,
            UserName = TestSettings.RabbitUser,
            Password = TestSettings.RabbitPassword,
            ClientName = "test",
        }));
        var connection = await connector.ConnectAsync("assertions", CancellationToken.None);
        if (declareTopology)
        {
            await using var channel = await connection.CreateChannelAsync();
            await BrokerTopology.DeclareAsync(channel, CancellationToken.None);
        }

        return connection;
    }

    public async Task<uint> QueueDepthAsync(string queue)
    {
        await using var connection = await ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>A queue bound to every routing key of the events exchange: records every message the relay published.</summary>
    public async Task<string> BindAuditQueueAsync()
    {
        await using var connection = await ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        const string audit = "test_audit";
        await channel.QueueDeclareAsync(audit, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(audit, Topology.Exchange, "#");
        return audit;
    }

    /// <summary>Takes every message currently in <paramref name="queue"/> (acking them).</summary>
    public async Task<List<BasicGetResult>> DrainAsync(string queue)
    {
        await using var connection = await ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    public async Task<T> AuthScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await AuthDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value for: {sql}");
    }

    /// <summary>
    /// The todo and notify databases' schemas as TodoConsumer and Notifications migrate them: their own tables and their
    /// outboxes, which the silos relay (for tests that start silos without those services).
    /// </summary>
    public async Task MigrateServiceDatabasesAsync()
    {
        await SqlMigrator.MigrateAsync(TodoDb, typeof(TodoConsumer.Program).Assembly, CancellationToken.None);
        await SqlMigrator.MigrateAsync(TodoDb, typeof(Registration.Messaging.Outbox.OutboxStore).Assembly, CancellationToken.None);
        await SqlMigrator.MigrateAsync(NotifyDb, typeof(global::Notifications.Program).Assembly, CancellationToken.None);
        await SqlMigrator.MigrateAsync(NotifyDb, typeof(Registration.Messaging.Outbox.OutboxStore).Assembly, CancellationToken.None);
    }

    public async Task<T> TodoScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await TodoDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value for: {sql}");
    }

    public async Task<T> NotifyScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await NotifyDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters) ?? throw new InvalidOperationException($"No value for: {sql}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.DisposeAsync();
        }

        await Task.WhenAll(_processes.Select(s => s.DisposeAsync().AsTask()));
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestSettings.Redis))
        {
            foreach (var key in redis.GetServers()[0].Keys(pattern: $"{ClusterId}*"))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }

        await AuthDatabaseProxy.DisposeAsync();
        await TodoDatabaseProxy.DisposeAsync();
        await NotifyDatabaseProxy.DisposeAsync();
        await BrokerProxy.DisposeAsync();
        await AuthDb.DisposeAsync();
        await TodoDb.DisposeAsync();
        await NotifyDb.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var admin = NpgsqlDataSource.Create(TestSettings.PostgresConnectionString("postgres")))
        await using (var connection = await admin.OpenConnectionAsync())
        {
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {AuthDatabase} WITH (FORCE)");
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {TodoDatabase} WITH (FORCE)");
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {NotifyDatabase} WITH (FORCE)");
        }

        await RabbitManagement.DeleteVirtualHostAsync(VirtualHost);
    }

    private Dictionary<string, string?> Settings(string clientName, string connectionString, int brokerPort, (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = connectionString,
            ["RabbitMq:Host"] = "127.0.0.1",
            ["RabbitMq:Port"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:VirtualHost"] = VirtualHost,
            ["RabbitMq:UserName"] = TestSettings.RabbitUser,
            ["RabbitMq:Password"] = TestSettings.RabbitPassword,
            ["RabbitMq:ClientName"] = clientName,
            ["ConnectionStrings:Redis"] = TestSettings.Redis,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = ClusterId,
            ["Jwt:SigningKey"] = TestSettings.JwtSigningKey,
            ["Consumer:RetryDelay"] = "00:00:00.200",
            // Hashes run at the lowest CPU priority, and the tests share the cores with each other: on a busy test
            // machine a registration can wait more than the shipped 2 s for a hashing thread. The tests of the
            // hashing queue's limits set their own.
            ["PasswordHashing:QueueTimeout"] = "00:00:30",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }
}
