using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Measures the backlog of one outbox (PENDING count and age of the oldest PENDING event) every few seconds,
/// for the gauges and for readiness: a growing age means a stuck relay or an unreachable broker.
/// </summary>
/// <param name="outbox">The outbox's name, in the gauges' tag and readiness.</param>
public sealed partial class OutboxBacklog(string outbox, NpgsqlDataSource db, ILogger<OutboxBacklog> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public string Outbox => outbox;

    public BacklogSnapshot? Current { get; private set; }

    public async Task<BacklogSnapshot> MeasureAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var (pending, oldestAgeSeconds) = await connection.QuerySingleAsync<(long, double)>(new CommandDefinition(
            """
            SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
            FROM outbox WHERE status = 'PENDING'
            """, cancellationToken: cancellationToken));
        Current = new BacklogSnapshot(pending, TimeSpan.FromSeconds(oldestAgeSeconds), DateTimeOffset.UtcNow);
        return Current;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MeasureAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogMeasureFailed(outbox, ex.Message);
            }

            await Pause.ForAsync(Interval, stoppingToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not measure the backlog of the {Outbox} outbox: {Reason}")]
    private partial void LogMeasureFailed(string outbox, string reason);
}

public sealed record BacklogSnapshot(long Pending, TimeSpan OldestAge, DateTimeOffset MeasuredAt);
