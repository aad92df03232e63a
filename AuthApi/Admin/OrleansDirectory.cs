using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Registration.Grains;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Cluster;

namespace AuthApi.Admin;

/// <summary>Asks the cluster for its silos (Orleans' management grain) and the relay grain of every partition of every outbox where it runs, for the cluster admin API.</summary>
public sealed class OrleansDirectory(ClusterConnection cluster, IOptions<OutboxOptions> options)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<IReadOnlyList<ClusterAdminApi.SiloView>> SilosAsync(CancellationToken cancellationToken)
    {
        if (cluster.Grains is not { } grains)
        {
            return [];
        }

        var management = grains.GetGrain<IManagementGrain>(0);
        try
        {
            var hosts = await management.GetDetailedHosts(onlyActive: false).WaitAsync(Timeout, cancellationToken);
            var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
            var statistics = await management.GetRuntimeStatistics(active).WaitAsync(Timeout, cancellationToken);
            var activations = active.Zip(statistics).ToDictionary(p => p.First, p => p.Second.ActivationCount);
            return [.. hosts.OrderBy(h => h.StartTime).Select(h => new ClusterAdminApi.SiloView(
                h.SiloAddress.ToString(), h.SiloName, h.Status.ToString(), h.StartTime, activations.TryGetValue(h.SiloAddress, out var n) ? n : null))];
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }

    public async Task<IReadOnlyList<ClusterAdminApi.PartitionOwner>> PartitionsAsync(CancellationToken cancellationToken)
    {
        var relays = Outboxes.All.SelectMany(outbox => Enumerable.Range(0, options.Value.Partitions).Select(p => (outbox, partition: (short)p))).ToList();
        if (cluster.Grains is not { } grains)
        {
            return [.. relays.Select(r => new ClusterAdminApi.PartitionOwner(r.outbox, r.partition, null, 0, false))];
        }

        return await Task.WhenAll(relays.Select(async relay =>
        {
            try
            {
                var state = await grains.Relay(relay.outbox, relay.partition).GetStateAsync().WaitAsync(Timeout, cancellationToken);
                return new ClusterAdminApi.PartitionOwner(relay.outbox, relay.partition, state.Silo, state.Epoch, true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new ClusterAdminApi.PartitionOwner(relay.outbox, relay.partition, null, 0, false);
            }
        }));
    }
}
