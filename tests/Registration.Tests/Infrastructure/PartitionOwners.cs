using System.Net.Http.Json;
using AuthApi.Admin;
using Orleans.Runtime;
using Registration.Grains;
using Registration.Grains.Outbox;

namespace Registration.Tests.Infrastructure;

/// <summary>Which silo relays which partition of an outbox, from AuthApi's cluster view (an admin client).</summary>
public static class PartitionOwners
{
    /// <summary>
    /// Partition of <paramref name="outbox"/> → the silo its relay runs on, once <paramref name="silos"/> silos are active
    /// and every one of the 16 partitions of every outbox runs on the silo <see cref="PartitionPlacement"/> picks among
    /// them (a silo may own none).
    /// </summary>
    public static async Task<Dictionary<short, string>> SettledAsync(HttpClient admin, int silos, string outbox = Outboxes.Auth) => (await Eventually.ReturnsAsync<Dictionary<short, string>?>(
        async () =>
        {
            var view = (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!;
            var active = view.Silos.Where(s => s.Status == "Active").Select(s => Parse(s.Address)).ToList();
            var live = view.Partitions.Where(p => p.Live).ToList();
            return active.Count == silos && live.Count == 16 * Outboxes.All.Count
                && live.All(p => Parse(p.Owner!).Equals(PartitionPlacement.OwnerOf(p.Outbox, p.Partition, active)))
                ? live.Where(p => p.Outbox == outbox).ToDictionary(p => p.Partition, p => p.Owner!)
                : null;
        },
        owners => owners is not null,
        $"the 16 partitions of each outbox on the silos their placement picks among {silos} active silos",
        TimeSpan.FromSeconds(30)))!;

    /// <summary>A silo's address as Orleans prints it ("S127.0.0.1:11111:155664389").</summary>
    private static SiloAddress Parse(string printed)
    {
        var address = printed.TrimStart('S');
        var generation = address.LastIndexOf(':');
        return SiloAddress.FromParsableString($"{address[..generation]}@{address[(generation + 1)..]}");
    }
}
