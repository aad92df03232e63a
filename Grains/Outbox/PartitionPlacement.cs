using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Registration.Grains.Outbox;

/// <summary>
/// Places outbox partition <c>p</c> by rendezvous (highest random weight) hashing: each live silo weighs
/// <see cref="Weight"/>(p, silo) and the heaviest owns the partition. Every move costs a new relay epoch and a pause,
/// so as few as possible move: a silo that joins takes only the partitions it outweighs (about 1/n of them, each from
/// its owner), and a silo that leaves hands on only its own. The spread is that of a fair draw, not an exact share: with
/// 16 partitions on 3 silos one holds 5.3 on average, and one holding none or most is rare but possible. A restarted
/// silo has a new generation, so it is a new member and draws anew. A relay grain that finds itself elsewhere (a silo
/// joined or left) migrates there.
/// </summary>
[Serializable]
public sealed class PartitionPlacement : PlacementStrategy
{
    public static PartitionPlacement Instance { get; } = new();

    public static SiloAddress OwnerOf(long partition, IEnumerable<SiloAddress> silos) =>
        silos.MaxBy(silo => Weight(partition, silo)) ?? throw new InvalidOperationException($"no live silo to place partition {partition} on");

    /// <summary>
    /// The first 8 bytes of SHA-256 over "partition/address@generation": the same in every process and .NET version
    /// (every silo must agree on the owner; string.GetHashCode differs per process), and well mixed even for addresses
    /// that differ in one digit of the port. Its cost (a microsecond) is paid per silo at a placement or a relay tick.
    /// </summary>
    private static ulong Weight(long partition, SiloAddress silo) =>
        BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{partition}/{silo.ToParsableString()}"))));
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

public sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(PartitionPlacement.OwnerOf(target.GrainIdentity.GetIntegerKey(), context.GetCompatibleSilos(target)));
}
