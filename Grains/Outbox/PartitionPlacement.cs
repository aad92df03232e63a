using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Registration.Grains.Outbox;

/// <summary>
/// Places outbox partition <c>p</c> on the <c>p mod n</c>-th of the n live silos (ordered by address), so the
/// partitions spread evenly. A relay grain that finds itself elsewhere (a silo joined or left) migrates there.
/// </summary>
[Serializable]
public sealed class PartitionPlacement : PlacementStrategy
{
    public static PartitionPlacement Instance { get; } = new();

    public static SiloAddress OwnerOf(long partition, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        return ordered[(int)(partition % ordered.Length)];
    }
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

public sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(PartitionPlacement.OwnerOf(target.GrainIdentity.GetIntegerKey(), context.GetCompatibleSilos(target)));
}
