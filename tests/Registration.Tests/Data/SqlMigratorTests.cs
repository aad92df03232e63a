using Dapper;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Data;

public sealed class SqlMigratorTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Instances_starting_at_once_apply_each_migration_exactly_once()
    {
        var assembly = typeof(OutboxStore).Assembly;

        var applied = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => SqlMigrator.MigrateAsync(_system.AuthDb, assembly, CancellationToken.None))));

        // Every embedded script (002_outbox, 003_outbox_partitions, ...), whatever later work adds, applied once.
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("Migrations/", StringComparison.Ordinal))
            .Select(name => name["Migrations/".Length..^".sql".Length])
            .Order()
            .ToList();
        Assert.Equal(["002_outbox", "003_outbox_partitions"], scripts.Take(2));
        Assert.Equal(scripts, applied.SelectMany(versions => versions).Order());
        Assert.Equal(scripts.Count, await _system.AuthScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
        Assert.Empty(await SqlMigrator.MigrateAsync(_system.AuthDb, assembly, CancellationToken.None));
    }

    [Fact]
    public async Task Retired_membership_table_is_dropped_where_it_was_and_never_left_in_a_new_database()
    {
        // An auth database of before the retirement: the service's migrations and the membership table, with a member.
        await SqlMigrator.MigrateAsync(_system.AuthDb, typeof(AuthApi.Program).Assembly, CancellationToken.None);
        await using (var stream = typeof(OutboxStore).Assembly.GetManifestResourceStream("Migrations/membership_001_cluster_members.sql")!)
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(await new StreamReader(stream).ReadToEndAsync());
            await connection.ExecuteAsync("""
                INSERT INTO schema_migrations (version) VALUES ('membership_001_cluster_members');
                INSERT INTO cluster_members (instance_id, role, host, pid, version, started_at, last_heartbeat, status)
                VALUES ('auth-api-old', 'auth-api', 'host', 1, '1.0', now(), now(), 'active');
                """);
        }

        _ = _system.StartAuthApi().Services; // started: its migrations ran
        _ = _system.StartTodoConsumer(("Consumer:Enabled", "false")).Services; // a new database

        const string Table = "SELECT to_regclass('cluster_members') IS NOT NULL";
        const string History = "SELECT array_agg(version ORDER BY version) FROM schema_migrations WHERE version LIKE 'membership%'";
        string[] both = ["membership_001_cluster_members", "membership_002_drop_cluster_members"];
        Assert.False(await _system.AuthScalarAsync<bool>(Table));
        Assert.False(await _system.TodoScalarAsync<bool>(Table));
        Assert.Equal(both, await _system.AuthScalarAsync<string[]>(History));
        Assert.True(await _system.TodoScalarAsync<bool>("SELECT EXISTS (SELECT FROM schema_migrations WHERE version = '007_drop_cluster_members')"));
        // The todo database takes the outbox's migrations too (its task events' outbox): the membership table made and
        // dropped again there, never left.
        Assert.True(await _system.TodoScalarAsync<bool>("SELECT to_regclass('outbox') IS NOT NULL"));
        Assert.Equal(both, await _system.TodoScalarAsync<string[]>(History));
    }
}
