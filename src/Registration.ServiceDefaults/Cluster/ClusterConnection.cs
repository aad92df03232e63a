using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Registration.ServiceDefaults.Cluster;

/// <summary>
/// This service's Orleans client, connected beside the web host rather than before it: an Orleans client's start
/// waits until it reaches a silo, and the service must serve (register users, answer readiness) while no silo runs.
/// The connection is retried every second until it succeeds; after that Orleans keeps the client connected to the
/// live gateways by itself. <see cref="Grains"/> is null until then.
/// </summary>
public sealed partial class ClusterConnection(IConfiguration configuration, ILoggerFactory loggerFactory, ILogger<ClusterConnection> logger) : BackgroundService
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource<IClusterClient> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IHost? _client;
    private int _attempts;

    /// <summary>The cluster's grains, or null while not connected yet.</summary>
    public IGrainFactory? Grains => _connected.Task.IsCompletedSuccessfully ? _connected.Task.Result : null;

    public int FailedAttempts => _attempts;

    /// <summary>The cluster's grains; while not connected yet, a <see cref="SiloUnavailableException"/> (a transient failure).</summary>
    public IGrainFactory RequireGrains() =>
        Grains ?? throw new SiloUnavailableException("No silo of the cluster is reachable yet.");

    public Task<IClusterClient> ConnectedAsync(CancellationToken cancellationToken) => _connected.Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var identity = ClusterIdentityOptions.From(configuration);
        var redis = ClusterIdentityOptions.Redis(configuration);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.Replace(ServiceDescriptor.Singleton(loggerFactory));
        builder.UseOrleansClient(client => client
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (identity.ClusterId, identity.ServiceId))
            .UseRedisClustering(o => o.ConfigurationOptions = redis)
            .AddActivityPropagation() // a grain call continues the caller's trace
            .UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                LogNotConnected(Interlocked.Increment(ref _attempts), exception.Message);
                await Task.Delay(RetryDelay, cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            }));
        _client = builder.Build();
        try
        {
            await _client.StartAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        LogConnected(identity.ClusterId);
        _connected.TrySetResult(_client.Services.GetRequiredService<IClusterClient>());
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_client is not null)
        {
            try
            {
                await _client.StopAsync(cancellationToken);
            }
            finally
            {
                _client.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the Orleans cluster {ClusterId}")]
    private partial void LogConnected(string clusterId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No silo of the cluster reachable yet (attempt {Attempt}), retrying: {Reason}")]
    private partial void LogNotConnected(int attempt, string reason);
}
