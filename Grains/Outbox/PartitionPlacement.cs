using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Registration.Grains.Outbox;

/// <summary>
/// Places the relay of an outbox partition by rendezvous (highest random weight) hashing: each live silo weighs
/// <see cref="Weight"/>(outbox, partition, silo) and the heaviest owns the partition. Every move costs a new relay epoch and a pause,
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

    public static SiloAddress OwnerOf(string outbox, long partition, IEnumerable<SiloAddress> silos) =>
        silos.MaxBy(silo => Weight(outbox, partition, silo)) ?? throw new InvalidOperationException($"no live silo to place partition {partition} of the {outbox} outbox on");

    /// <summary>
    /// The first 8 bytes of SHA-256 over "outbox:partition/address@generation" ("partition/address@generation" for the
    /// auth outbox, the first one, whose relays thus keep their silos): the same in every process and .NET version
    /// (every silo must agree on the owner; string.GetHashCode differs per process), and well mixed even for addresses
    /// that differ in one digit of the port. Its cost (a microsecond) is paid per silo at a placement or a relay tick.
    /// </summary>
    private static ulong Weight(string outbox, long partition, SiloAddress silo)
    {
        var key = outbox == Outboxes.Auth
            ? string.Create(CultureInfo.InvariantCulture, $"{partition}/{silo.ToParsableString()}")
            : string.Create(CultureInfo.InvariantCulture, $"{outbox}:{partition}/{silo.ToParsableString()}");
        return BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PartitionPlacementAttribute() : PlacementAttribute(PartitionPlacement.Instance);

public sealed class PartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var partition = target.GrainIdentity.GetIntegerKey(out var outbox);
        return Task.FromResult(PartitionPlacement.OwnerOf(outbox ?? Outboxes.Auth, partition, context.GetCompatibleSilos(target)));
    }
}
