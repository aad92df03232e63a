namespace Registration.Messaging.Membership;

/// <summary>Where each outbox partition is relayed; the cluster view shows it where one is registered (AuthApi).</summary>
public interface IPartitionDirectory
{
    Task<IReadOnlyList<ClusterAdminApi.PartitionOwner>> ListAsync(CancellationToken cancellationToken);
}
