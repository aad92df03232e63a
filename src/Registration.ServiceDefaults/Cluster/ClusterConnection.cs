using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Registration.ServiceDefaults.Cluster;

/// <summary>
/// Starts this service's Orleans client beside the web host rather than before it: an Orleans client's start waits
/// until it reaches a silo, and the service must serve (register users, answer readiness) while no silo runs.
/// The connection is retried every second until it succeeds; after that Orleans keeps the client connected to the
/// live gateways by itself. <see cref="Grains"/> is null until then.
/// </summary>
public sealed partial class ClusterConnection(IClusterClient client, ILogger<ClusterConnection> logger) : BackgroundService, IClientConnectionRetryFilter
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource<IClusterClient> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _attempts;

    /// <summary>The cluster's grains, or null while not connected yet.</summary>
    public IGrainFactory? Grains => _connected.Task.IsCompletedSuccessfully ? _connected.Task.Result : null;

    public int FailedAttempts => _attempts;

    /// <summary>The cluster's grains; while not connected yet, a <see cref="SiloUnavailableException"/> (a transient failure).</summary>
    public IGrainFactory RequireGrains() =>
        Grains ?? throw new SiloUnavailableException("No silo of the cluster is reachable yet.");

    public Task<IClusterClient> ConnectedAsync(CancellationToken cancellationToken) => _connected.Task.WaitAsync(cancellationToken);

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        LogNotConnected(Interlocked.Increment(ref _attempts), exception.Message);
        await Task.Delay(RetryDelay, cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ClientLifetime.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        LogConnected();
        _connected.TrySetResult(client);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await ClientLifetime.StopAsync(cancellationToken);
    }

    /// <summary>Orleans' client is the hosted service that Orleans registers and <see cref="ClusterConnectionExtensions"/> takes out of the host.</summary>
    private IHostedService ClientLifetime => (IHostedService)client;

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the Orleans cluster")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo of the cluster reachable yet (attempt {Attempt}), retrying: {Reason}")]
    private partial void LogNotConnected(int attempt, string reason);
}
