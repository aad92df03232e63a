namespace Registration.Messaging.Membership;

/// <summary>Orleans' view for the cluster API where the service is a client of the silos (AuthApi): the silos, and where each outbox partition is relayed.</summary>
public interface IOrleansDirectory
{
    Task<IReadOnlyList<ClusterAdminApi.SiloView>> SilosAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ClusterAdminApi.PartitionOwner>> PartitionsAsync(CancellationToken cancellationToken);
}
