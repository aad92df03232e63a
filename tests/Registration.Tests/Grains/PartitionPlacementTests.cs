using System.Net;
using Orleans.Runtime;
using Registration.Grains;
using Registration.Grains.Outbox;

namespace Registration.Tests.Grains;

/// <summary>
/// Where the outbox partitions go as silos join and leave: a change moves only the partitions it must, since each move
/// costs a new relay epoch and a pause. Pure: silo addresses as a local cluster has them (127.0.0.1, ports 11111 to
/// 11114, one fixed generation), no cluster.
/// </summary>
public sealed class PartitionPlacementTests
{
    private const int Partitions = 16;
    private const int Generation = 155_000_000;

    private static readonly SiloAddress[] Silos = [.. Enumerable.Range(0, 4).Select(i => Silo(11111 + i, Generation))];

    [Fact]
    public void A_silo_that_joins_takes_about_a_quarter_of_the_partitions_and_none_moves_between_the_others()
    {
        var before = Owners(Silos[..3]);
        var after = Owners(Silos);

        var moved = Enumerable.Range(0, Partitions).Where(p => !before[p].Equals(after[p])).ToList();

        Assert.InRange(moved.Count, 1, 6);
        Assert.All(moved, p => Assert.Equal(Silos[3], after[p]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_silo_that_leaves_hands_on_only_its_own_partitions(int leaving)
    {
        var before = Owners(Silos);
        var after = Owners([.. Silos.Where((_, i) => i != leaving)]);

        for (var p = 0; p < Partitions; p++)
        {
            if (before[p].Equals(Silos[leaving]))
            {
                Assert.NotEqual(Silos[leaving], after[p]);
            }
            else
            {
                Assert.Equal(before[p], after[p]);
            }
        }
    }

    /// <summary>
    /// Not an exact share (rendezvous hashing draws, it does not deal): for these addresses 3 silos hold 6, 6 and 4 of
    /// the 16 partitions and 4 silos 5, 4, 4 and 3. Checked: every silo holds at least 3, none more than 6.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void The_partitions_spread_over_every_silo(int silos)
    {
        var counts = Silos[..silos].Select(silo => Owners(Silos[..silos]).Count(owner => owner.Equals(silo))).ToList();

        Assert.All(counts, count => Assert.InRange(count, 3, 6));
    }

    /// <summary>
    /// Every silo and client must compute the same owner, in any process and on any .NET version. The expected owners
    /// were computed outside .NET (SHA-256 of "partition/127.0.0.1:port@generation", first 8 bytes big-endian, highest wins).
    /// </summary>
    [Fact]
    public void The_owner_is_the_same_in_every_process()
    {
        int[] expected = [2, 2, 3, 1, 3, 0, 0, 0, 1, 0, 2, 0, 3, 2, 1, 1];

        Assert.Equal("127.0.0.1:11111@155000000", Silos[0].ToParsableString());
        Assert.Equal(expected, Owners(Silos).Select(owner => Array.IndexOf(Silos, owner)));
        Assert.Equal(Owners(Silos), Owners([.. Silos.Reverse()]));
    }

    /// <summary>Over many clusters of random addresses and generations a fourth silo takes a quarter of the partitions on average, only ever from the others.</summary>
    [Fact]
    public void Over_many_clusters_a_joining_silo_takes_its_share_and_nothing_else_moves()
    {
        var random = new Random(16);
        var moved = 0;
        const int Clusters = 500;
        for (var c = 0; c < Clusters; c++)
        {
            var generation = random.Next(1, int.MaxValue - 4);
            SiloAddress[] silos = [.. Enumerable.Range(0, 4).Select(i => Silo(random.Next(1024, 65536), generation + i, random.Next(1, 255)))];
            var before = Owners(silos[..3]);
            var after = Owners(silos);
            for (var p = 0; p < Partitions; p++)
            {
                if (!before[p].Equals(after[p]))
                {
                    Assert.Equal(silos[3], after[p]);
                    moved++;
                }
            }
        }

        Assert.InRange(moved / (double)(Clusters * Partitions), 0.22, 0.28);
    }

    private static SiloAddress[] Owners(SiloAddress[] silos) =>
        [.. Enumerable.Range(0, Partitions).Select(p => PartitionPlacement.OwnerOf(Outboxes.Auth, p, silos))];

    private static SiloAddress Silo(int port, int generation, int host = 1) =>
        SiloAddress.New(new IPEndPoint(new IPAddress([127, 0, 0, (byte)host]), port), generation);
}
