using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Registration.Messaging.Broker;

/// <summary>
/// Reports the broker as seen by this process's workers. A broker outage degrades the service but
/// does not make it unready: registrations keep committing to the outbox and are relayed later.
/// </summary>
internal sealed class BrokerHealthCheck(BrokerStatus status) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var workers = status.Snapshot();
        var data = workers.ToDictionary(
            worker => worker.Key,
            worker => (object)(worker.Value.IsConnected ? "connected" : $"disconnected: {worker.Value.LastError}"));
        if (workers.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no broker worker has started in this instance", data));
        }

        return Task.FromResult(workers.Values.All(state => state.IsConnected)
            ? HealthCheckResult.Healthy("connected", data)
            : HealthCheckResult.Degraded("broker unreachable; work is retried when it returns", data: data));
    }
}
