using System.Reflection;
using Dapper;
using Npgsql;

namespace Registration.ServiceDefaults.Data;

/// <summary>
/// Applies the embedded Migrations/NNN_name.sql scripts of an assembly in name order, once each,
/// under an advisory lock so that several instances starting together apply them exactly once.
/// </summary>
public static class SqlMigrator
{
    private const long AdvisoryLockKey = 0x5245_4749_5354; // "REGIST"
    private const string Prefix = "Migrations/";

    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, Assembly assembly, CancellationToken cancellationToken)
    {
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@AdvisoryLockKey)", new { AdvisoryLockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<string>(new CommandDefinition("SELECT version FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet();

            var appliedNow = new List<string>();
            foreach (var script in scripts)
            {
                var version = script[Prefix.Length..^".sql".Length];
                if (applied.Contains(version))
                {
                    continue;
                }

                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(await ReadAsync(assembly, script), transaction: transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition("INSERT INTO schema_migrations (version) VALUES (@version)", new { version }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                appliedNow.Add(version);
            }

            return appliedNow;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@AdvisoryLockKey)", new { AdvisoryLockKey });
        }
    }

    private static async Task<string> ReadAsync(Assembly assembly, string resource)
    {
        await using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
