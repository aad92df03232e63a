using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Registration.Silo;

/// <summary>Ready only once this silo is an active member of the cluster.</summary>
public sealed class ClusterHealthCheck(IClusterMembershipService membership, ILocalSiloDetails self) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var status = snapshot.GetSiloStatus(self.SiloAddress);
        var active = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Active);
        var data = new Dictionary<string, object> { ["silo"] = self.SiloAddress.ToString(), ["status"] = status.ToString(), ["activeSilos"] = active };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"active member, {active} active silos", data)
            : HealthCheckResult.Unhealthy($"not an active member of the cluster ({status})", data: data));
    }
}
