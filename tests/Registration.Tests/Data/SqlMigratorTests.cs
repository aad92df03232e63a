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
}
