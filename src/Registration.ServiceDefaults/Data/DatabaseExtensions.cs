using System.Data.Common;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Registration.ServiceDefaults.Data;

public static class DatabaseExtensions
{
    /// <summary>
    /// Registers the service's one <see cref="NpgsqlDataSource"/> (ConnectionStrings:Database), the
    /// migrations embedded in <paramref name="migrationsAssembly"/>, and the readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddDatabase(this IHostApplicationBuilder builder, Assembly migrationsAssembly)
    {
        var connectionString = RequiredConnectionString(builder.Configuration, "Database");
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => CreateDataSource(connectionString, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddMigrations(migrationsAssembly);
        builder.Services.AddHostedService<MigrationHostedService>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        return builder;
    }

    /// <summary>
    /// Another database this service reaches but does not migrate (ConnectionStrings:<paramref name="name"/>): its
    /// <see cref="NpgsqlDataSource"/> as a keyed service (key <paramref name="name"/>), and a readiness check.
    /// </summary>
    public static IHostApplicationBuilder AddKeyedDatabase(this IHostApplicationBuilder builder, string name)
    {
        var connectionString = RequiredConnectionString(builder.Configuration, name);
        builder.Services.AddKeyedSingleton(name, (sp, _) => CreateDataSource(connectionString, sp.GetRequiredService<ILoggerFactory>()));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"database-{name}", sp => new DatabaseHealthCheck(sp.GetRequiredKeyedService<NpgsqlDataSource>(name)), failureStatus: null, tags: null));
        return builder;
    }

    private static string RequiredConnectionString(IConfiguration configuration, string name)
    {
        var connectionString = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new OptionsValidationException($"ConnectionStrings:{name}", typeof(DatabaseOptions),
                [$"ConnectionStrings:{name} is not set (e.g. Host=127.0.0.1;Port=5432;Database=auth;Username=postgres;Password=...)."]);
        }

        return connectionString;
    }

    private static NpgsqlDataSource CreateDataSource(string connectionString, ILoggerFactory loggerFactory)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(loggerFactory);
        // Only what the connection string sets (NpgsqlConnectionStringBuilder.ContainsKey is true for any known keyword).
        var given = new DbConnectionStringBuilder { ConnectionString = dataSource.ConnectionStringBuilder.ConnectionString };

        // The relay, the consumer and registration run the same few statements over and over: prepared
        // after a few uses, they are no longer parsed and planned each time (planning the relay's claim
        // takes longer than running it). "Max Auto Prepare" in the connection string overrides this.
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        // No session state outlives a use of a pooled connection here (SET LOCAL only; the migrator unlocks its
        // advisory lock), so the reset statements Npgsql would otherwise send on every reuse are pure overhead.
        // "No Reset On Close" in the connection string overrides this.
        if (!given.ContainsKey("No Reset On Close"))
        {
            dataSource.ConnectionStringBuilder.NoResetOnClose = true;
        }

        return dataSource.Build();
    }
}
