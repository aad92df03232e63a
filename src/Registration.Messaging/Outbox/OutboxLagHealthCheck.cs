using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Registration.Messaging.Outbox;

/// <summary>Unready (503, with the reason) when the oldest PENDING event of an outbox is older than Outbox:MaxPendingAge.</summary>
internal sealed class OutboxLagHealthCheck(IEnumerable<OutboxBacklog> backlogs, IOptions<OutboxOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var limit = options.Value.MaxPendingAge;
        var data = new Dictionary<string, object> { ["limitSeconds"] = limit.TotalSeconds };
        var stuck = new List<string>();
        var pending = new List<string>();
        foreach (var backlog in backlogs)
        {
            if (backlog.Current is not { } snapshot)
            {
                pending.Add($"{backlog.Outbox}: not measured yet");
                continue;
            }

            data[backlog.Outbox] = new Dictionary<string, object>
            {
                ["pending"] = snapshot.Pending,
                ["oldestPendingAgeSeconds"] = Math.Round(snapshot.OldestAge.TotalSeconds, 1),
            };
            pending.Add($"{backlog.Outbox}: {snapshot.Pending} pending");
            if (snapshot.OldestAge > limit)
            {
                stuck.Add($"the oldest PENDING event of the {backlog.Outbox} outbox is {snapshot.OldestAge.TotalSeconds:0} s old (limit {limit.TotalSeconds:0} s)");
            }
        }

        return Task.FromResult(stuck.Count > 0
            ? HealthCheckResult.Unhealthy($"{string.Join("; ", stuck)}: the relay is stuck or the broker unreachable", data: data)
            : HealthCheckResult.Healthy(string.Join(", ", pending), data));
    }
}
