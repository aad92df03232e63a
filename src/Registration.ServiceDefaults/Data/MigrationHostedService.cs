using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Registration.ServiceDefaults.Data;

/// <summary>
/// Runs the migrations before the service takes traffic or starts its workers. Waits for the
/// database for up to <see cref="DatabaseOptions.StartupTimeout"/>, so that start order does not matter.
/// </summary>
internal sealed partial class MigrationHostedService(
    NpgsqlDataSource dataSource,
    IEnumerable<MigrationSource> sources,
    IOptions<DatabaseOptions> options,
    ILogger<MigrationHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + options.Value.StartupTimeout;
        while (true)
        {
            try
            {
                var applied = new List<string>();
                foreach (var source in sources)
                {
                    applied.AddRange(await SqlMigrator.MigrateAsync(dataSource, source.Assembly, cancellationToken));
                }

                LogMigrated(applied.Count, string.Join(", ", applied));
                return;
            }
            catch (Exception ex) when (DatabaseFailures.IsTransient(ex) && DateTime.UtcNow < deadline)
            {
                LogWaiting(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Count} migrations applied now: {Versions})")]
    private partial void LogMigrated(int count, string versions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet, retrying: {Reason}")]
    private partial void LogWaiting(string reason);
}
