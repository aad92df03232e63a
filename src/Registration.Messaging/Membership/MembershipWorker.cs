using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Registration.Messaging.Membership;

/// <summary>Writes this instance's heartbeat every interval, and marks it as left on a graceful stop.</summary>
public sealed partial class MembershipWorker(
    NpgsqlDataSource db,
    InstanceIdentity me,
    IOptions<MembershipOptions> options,
    ILogger<MembershipWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogJoining(me.InstanceId, me.Role);
        var pruned = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ClusterMembers.HeartbeatAsync(db, me, stoppingToken);
                if (!pruned)
                {
                    await ClusterMembers.PruneAsync(db, stoppingToken);
                    pruned = true;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogHeartbeatFailed(ex.Message);
            }

            await Pause.ForAsync(options.Value.HeartbeatInterval, stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await ClusterMembers.LeaveAsync(db, me, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            LogLeaveFailed(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Instance {InstanceId} joins the cluster as {Role}")]
    private partial void LogJoining(string instanceId, string role);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat failed, retrying next interval: {Reason}")]
    private partial void LogHeartbeatFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not record leaving the cluster (peers will see a dead member): {Reason}")]
    private partial void LogLeaveFailed(string reason);
}
