using Npgsql;

namespace WolverinePeer;

/// <summary>
/// Creates the workload's tables before Wolverine starts (hosted services start in order), and says ready once
/// the application has started: Wolverine has then created its tables and declared its queues on the broker.
/// </summary>
public sealed class PeerReadiness(NpgsqlDataSource db, IHostApplicationLifetime lifetime) : IHostedService
{
    public bool IsReady => lifetime.ApplicationStarted.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken) => PeerSchema.CreateAsync(db, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
