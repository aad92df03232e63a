using Registration.Grains;
using Registration.ServiceDefaults.Cluster;

namespace AuthApi.Outbox;

/// <summary>
/// Wakes a partition's relay grain right after a commit wrote to it: a one-way call, so registration never waits
/// for it and never fails because of it. When no silo is reachable the wake-up is lost, and the relay's fallback
/// poll picks the row up once a silo runs.
/// </summary>
public sealed partial class RelayWake(ClusterConnection cluster, ILogger<RelayWake> logger)
{
    public void Committed(short partition)
    {
        if (cluster.Grains is not { } grains)
        {
            LogNotConnected(partition);
            return;
        }

        try
        {
            _ = grains.Relay(Outboxes.Auth, partition).Wake();
        }
        catch (Exception ex)
        {
            LogWakeFailed(partition, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relay of partition {Partition} not woken: not connected to the cluster yet")]
    private partial void LogNotConnected(short partition);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Relay of partition {Partition} not woken: {Reason}")]
    private partial void LogWakeFailed(short partition, string reason);
}
