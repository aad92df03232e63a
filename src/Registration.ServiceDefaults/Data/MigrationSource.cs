using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Registration.ServiceDefaults.Data;

/// <summary>An assembly whose embedded Migrations/*.sql belong to this service's database; applied in registration order.</summary>
public sealed record MigrationSource(Assembly Assembly);

public static class MigrationSourceExtensions
{
    public static IServiceCollection AddMigrations(this IServiceCollection services, Assembly assembly) =>
        services.AddSingleton(new MigrationSource(assembly));
}
