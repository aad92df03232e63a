using Microsoft.Extensions.Options;
using Registration.Grains;
using Registration.Messaging.Membership;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Cluster;

namespace AuthApi.Outbox;

/// <summary>Asks every partition's relay grain where it runs and with which epoch, for the cluster view.</summary>
public sealed class RelayPartitions(ClusterConnection cluster, IOptions<OutboxOptions> options) : IPartitionDirectory
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<IReadOnlyList<ClusterAdminApi.PartitionOwner>> ListAsync(CancellationToken cancellationToken)
    {
        var partitions = Enumerable.Range(0, options.Value.Partitions).Select(p => (short)p).ToList();
        if (cluster.Grains is not { } grains)
        {
            return [.. partitions.Select(p => new ClusterAdminApi.PartitionOwner(p, null, 0, false))];
        }

        return await Task.WhenAll(partitions.Select(async partition =>
        {
            try
            {
                var state = await grains.GetGrain<IOutboxRelayGrain>(partition).GetStateAsync().WaitAsync(Timeout, cancellationToken);
                return new ClusterAdminApi.PartitionOwner(partition, state.Silo, state.Epoch, true);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return new ClusterAdminApi.PartitionOwner(partition, null, 0, false);
            }
        }));
    }
}
