using Dapper;
using Npgsql;
using RabbitMQ.Client;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Data;

namespace Registration.Bench.Infrastructure;

/// <summary>
/// What one scenario run works in, isolated from the tests that may run at the same time: its own
/// auth, todo and notify databases (bench_auth_ID, bench_todo_ID, bench_notify_ID) and its own RabbitMQ virtual host (bench_ID),
/// all removed on dispose. ID starts with the bench process's id, so a run removes only what a bench process that
/// no longer runs left behind, never the sandboxes of another bench running at the same time.
/// </summary>
internal sealed class Sandbox : IAsyncDisposable
{
    public const string Prefix = "bench_";

    private readonly BenchSettings _settings;
    private readonly RabbitAdmin _admin;

    private Sandbox(BenchSettings settings, RabbitAdmin admin, string id)
    {
        _settings = settings;
        _admin = admin;
        Id = id;
        AuthDb = NpgsqlDataSource.Create(settings.PostgresConnectionString(AuthDatabase));
        TodoDb = NpgsqlDataSource.Create(settings.PostgresConnectionString(TodoDatabase));
        NotifyDb = NpgsqlDataSource.Create(settings.PostgresConnectionString(NotifyDatabase));
    }

    public string Id { get; }

    public string AuthDatabase => $"{Prefix}auth_{Id}";

    public string TodoDatabase => $"{Prefix}todo_{Id}";

    public string NotifyDatabase => $"{Prefix}notify_{Id}";

    public string VirtualHost => $"{Prefix}{Id}";

    public NpgsqlDataSource AuthDb { get; }

    public NpgsqlDataSource TodoDb { get; }

    /// <summary>The Notifications service's database (its notifications and per-user state).</summary>
    public NpgsqlDataSource NotifyDb { get; }

    /// <summary>The peers' own databases and virtual hosts in this run (bench/Peers), removed with the sandbox.</summary>
    private readonly List<Peers.PeerSandbox> _peers = [];

    /// <summary>A database (bench_peer_KEY_ID) and a virtual host (bench_ID_KEY) of the peer's own, next to this run's.</summary>
    public async Task<Peers.PeerSandbox> CreatePeerAsync(Peers.Peer peer, CancellationToken cancellationToken)
    {
        var own = new Peers.PeerSandbox(peer, $"{Prefix}peer_{peer.Key}_{Id}", $"{Prefix}{Id}_{peer.Key}", _settings);
        await using (var connection = await OpenAdminAsync(_settings, cancellationToken))
        {
            await connection.ExecuteAsync($"CREATE DATABASE {own.Database}");
        }

        await _admin.CreateVirtualHostAsync(own.VirtualHost, cancellationToken);
        _peers.Add(own);
        return own;
    }

    public static async Task<Sandbox> CreateAsync(BenchSettings settings, RabbitAdmin admin, CancellationToken cancellationToken)
    {
        var sandbox = new Sandbox(settings, admin, $"{Environment.ProcessId}x{Guid.NewGuid().ToString("N")[..8]}");
        await using (var connection = await OpenAdminAsync(settings, cancellationToken))
        {
            await connection.ExecuteAsync($"CREATE DATABASE {sandbox.AuthDatabase}");
            await connection.ExecuteAsync($"CREATE DATABASE {sandbox.TodoDatabase}");
            await connection.ExecuteAsync($"CREATE DATABASE {sandbox.NotifyDatabase}");
        }

        await admin.CreateVirtualHostAsync(sandbox.VirtualHost, cancellationToken);
        return sandbox;
    }

    /// <summary>Applies the services' own embedded migrations, as they would at start-up.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await SqlMigrator.MigrateAsync(AuthDb, typeof(AuthApi.Program).Assembly, cancellationToken);
        await SqlMigrator.MigrateAsync(AuthDb, typeof(Registration.Messaging.Outbox.OutboxStore).Assembly, cancellationToken);
        await SqlMigrator.MigrateAsync(TodoDb, typeof(TodoConsumer.Program).Assembly, cancellationToken);
        await SqlMigrator.MigrateAsync(TodoDb, typeof(Registration.Messaging.Outbox.OutboxStore).Assembly, cancellationToken);
        await SqlMigrator.MigrateAsync(NotifyDb, typeof(Notifications.Program).Assembly, cancellationToken);
    }

    /// <summary>A direct (never proxied) broker connection to this run's virtual host, with the topology declared.</summary>
    public async Task<IConnection> ConnectBrokerAsync(string purpose, CancellationToken cancellationToken)
    {
        var connector = new RabbitMqConnector(Microsoft.Extensions.Options.Options.Create(new RabbitMqOptions
        {
            Host = _settings.RabbitHost,
            Port = _settings.RabbitPort,
            VirtualHost = VirtualHost,
            UserName = _settings.RabbitUser,
            Password = _settings.RabbitPassword,
            ClientName = "bench",
        }));
        var connection = await connector.ConnectAsync(purpose, cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await BrokerTopology.DeclareAsync(channel, cancellationToken);
        return connection;
    }

    public async Task<long> AuthScalarAsync(string sql)
    {
        await using var connection = await AuthDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    public async Task<long> TodoScalarAsync(string sql)
    {
        await using var connection = await TodoDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    public async Task<long> NotifyScalarAsync(string sql)
    {
        await using var connection = await NotifyDb.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql);
    }

    public async ValueTask DisposeAsync()
    {
        await AuthDb.DisposeAsync();
        await TodoDb.DisposeAsync();
        await NotifyDb.DisposeAsync();
        foreach (var peer in _peers)
        {
            await peer.Db.DisposeAsync();
        }

        await DropAsync(_settings, [AuthDatabase, TodoDatabase, NotifyDatabase, .. _peers.Select(peer => peer.Database)]);
        await _admin.DeleteVirtualHostAsync(VirtualHost);
        foreach (var peer in _peers)
        {
            await _admin.DeleteVirtualHostAsync(peer.VirtualHost);
        }
    }

    /// <summary>Removes what an interrupted earlier bench run left behind: names with the bench_ prefix whose process has ended.</summary>
    public static async Task<int> RemoveLeftoversAsync(BenchSettings settings, RabbitAdmin admin, CancellationToken cancellationToken)
    {
        List<string> databases;
        await using (var connection = await OpenAdminAsync(settings, cancellationToken))
        {
            databases = (await connection.QueryAsync<string>(
                "SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_auth\\_%' OR datname LIKE 'bench\\_todo\\_%' OR datname LIKE 'bench\\_notify\\_%' OR datname LIKE 'bench\\_peer\\_%'"))
                .Where(IsLeftover).ToList();
        }

        await DropAsync(settings, databases);
        var vhosts = (await admin.VirtualHostsAsync(cancellationToken))
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && IsLeftover(name)).ToList();
        foreach (var vhost in vhosts)
        {
            await admin.DeleteVirtualHostAsync(vhost);
        }

        return databases.Count + vhosts.Count;
    }

    /// <summary>
    /// Virtual hosts and databases of others on the same broker and server (e.g. left by interrupted test runs):
    /// each quorum queue and each database costs CPU even when idle, and that CPU counts in the figures.
    /// </summary>
    public static async Task<(int VirtualHosts, int Databases)> CountNeighboursAsync(BenchSettings settings, RabbitAdmin admin, CancellationToken cancellationToken)
    {
        var vhosts = (await admin.VirtualHostsAsync(cancellationToken)).Count(name => name != "/" && !name.StartsWith(Prefix, StringComparison.Ordinal));
        await using var connection = await OpenAdminAsync(settings, cancellationToken);
        var databases = await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname NOT LIKE 'bench\\_%'");
        return (vhosts, databases);
    }

    /// <summary>
    /// Whether the bench process that made this database or virtual host has ended: its sandbox id (PIDxRANDOM) names a
    /// process that no longer runs, or it has no such id (made before sandboxes carried one).
    /// </summary>
    private static bool IsLeftover(string name) =>
        System.Text.RegularExpressions.Regex.Match(name, @"_(\d+)x[0-9a-f]{8}(_|$)") is not { Success: true } match
        || !Directory.Exists($"/proc/{match.Groups[1].Value}");

    private static async Task DropAsync(BenchSettings settings, IEnumerable<string> databases)
    {
        await using var connection = await OpenAdminAsync(settings, CancellationToken.None);
        foreach (var database in databases)
        {
            await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(settings.PostgresConnectionString("postgres", poolSize: 2));
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
