using Registration.Grains;
using Registration.ServiceDefaults.Cluster;

namespace Notifications;

/// <summary>
/// Starts the cluster's notification cleaner once this instance reached the cluster; its reminder keeps it alive from
/// then on (also after its silo died). Retried until it succeeds, since a silo may still be starting.
/// </summary>
public sealed partial class CleanerStarter(ClusterConnection cluster, ILogger<CleanerStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var grains = await cluster.ConnectedAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<INotificationCleanerGrain>(INotificationCleanerGrain.Key).EnsureRunningAsync().WaitAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogNotStarted(ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notification cleaner did not start yet, retrying: {Reason}")]
    private partial void LogNotStarted(string reason);
}
