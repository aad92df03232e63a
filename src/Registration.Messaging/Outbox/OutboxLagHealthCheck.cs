using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Registration.Messaging.Outbox;

/// <summary>Unready (503, with the reason) when the oldest PENDING event is older than Outbox:MaxPendingAge.</summary>
internal sealed class OutboxLagHealthCheck(OutboxBacklog backlog, IOptions<OutboxOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (backlog.Current is not { } snapshot)
        {
            return Task.FromResult(HealthCheckResult.Healthy("not measured yet"));
        }

        var limit = options.Value.MaxPendingAge;
        var data = new Dictionary<string, object>
        {
            ["pending"] = snapshot.Pending,
            ["oldestPendingAgeSeconds"] = Math.Round(snapshot.OldestAge.TotalSeconds, 1),
            ["limitSeconds"] = limit.TotalSeconds,
        };
        return Task.FromResult(snapshot.OldestAge > limit
            ? HealthCheckResult.Unhealthy(
                $"the oldest PENDING outbox event is {snapshot.OldestAge.TotalSeconds:0} s old (limit {limit.TotalSeconds:0} s): the relay is stuck or the broker unreachable",
                data: data)
            : HealthCheckResult.Healthy($"{snapshot.Pending} pending", data));
    }
}
