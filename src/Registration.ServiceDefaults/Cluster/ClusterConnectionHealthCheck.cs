using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Registration.ServiceDefaults.Cluster;

/// <summary>Reports the cluster connection; not reaching a silo degrades readiness instead of failing it (work waits, nothing is lost).</summary>
internal sealed class ClusterConnectionHealthCheck(ClusterConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.Grains is not null
            ? HealthCheckResult.Healthy("connected")
            : HealthCheckResult.Degraded($"connecting to the cluster ({connection.FailedAttempts} attempts so far)"));
}
