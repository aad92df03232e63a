using Dashboard.Upstream;
using Microsoft.Extensions.Options;
using Registration.Contracts;

namespace Dashboard.State;

/// <summary>Reads every part of the state in parallel; a part that cannot be read carries its error and the rest is still shown.</summary>
public sealed class StateReader(AdminApiClient admin, RabbitQueues rabbit, IOptions<DashboardOptions> options, TimeProvider time)
{
    public async Task<DashboardState> ReadAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var authCluster = admin.GetFirstAsync(settings.AuthApiUrls, "/api/v1/admin/cluster", cancellationToken);
        var outbox = admin.GetFirstAsync(settings.AuthApiUrls, "/api/v1/admin/outbox", cancellationToken);
        var accountDeletions = admin.GetFirstAsync(settings.AuthApiUrls, "/api/v1/admin/account-deletions", cancellationToken);
        var consumers = settings.TodoConsumerUrls.Select(url => admin.GetAsync(url, "/api/v1/admin/consumer", cancellationToken)).ToList();
        var deadLetters = admin.GetFirstAsync(settings.TodoConsumerUrls, $"/api/v1/admin/dead-letters?limit={settings.DeadLetterListLimit}", cancellationToken);
        var queues = new[] { Topology.UserRegisteredQueue, Topology.UserRegisteredDeadLetterQueue, Topology.NotificationsQueue, Topology.NotificationsDeadLetterQueue }.Select(q => rabbit.GetAsync(q, cancellationToken)).ToList();

        await Task.WhenAll([authCluster, outbox, accountDeletions, deadLetters, .. consumers, .. queues]);

        var consumerAnswers = consumers.Select(c => c.Result).ToList();
        var instances = settings.TodoConsumerUrls.Zip(consumerAnswers, InstanceCounters.From)
            .GroupBy(i => i.InstanceId ?? i.Url) // several URLs (a gateway) may reach the same instance
            .Select(g => g.First())
            .ToList();
        var consumer = consumerAnswers.FirstOrDefault(a => a.Error is null)
            ?? new Answer(null, null, string.Join("; ", consumerAnswers.Select(a => a.Error)));

        return new DashboardState(
            time.GetUtcNow(),
            settings.RefreshSeconds,
            new AuthState(authCluster.Result, outbox.Result, accountDeletions.Result),
            new TodoState(InstanceCounters.ClusterPart(consumer), instances, instances.Sum(i => i.Count("duplicate"))),
            [.. queues.Select(q => q.Result)],
            deadLetters.Result);
    }
}
