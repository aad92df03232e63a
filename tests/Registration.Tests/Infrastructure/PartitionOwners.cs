using System.Net.Http.Json;
using AuthApi.Admin;
using Orleans.Runtime;
using Registration.Grains.Outbox;

namespace Registration.Tests.Infrastructure;

/// <summary>Which silo relays which outbox partition, from AuthApi's cluster view (an admin client).</summary>
public static class PartitionOwners
{
    /// <summary>
    /// Partition → the silo its relay runs on, once <paramref name="silos"/> silos are active and every one of the 16
    /// partitions runs on the silo <see cref="PartitionPlacement"/> picks among them (a silo may own none).
    /// </summary>
    public static async Task<Dictionary<short, string>> SettledAsync(HttpClient admin, int silos) => (await Eventually.ReturnsAsync<Dictionary<short, string>?>(
        async () =>
        {
            var view = (await admin.GetFromJsonAsync<ClusterAdminApi.ClusterView>("/api/v1/admin/cluster"))!;
            var active = view.Silos.Where(s => s.Status == "Active").Select(s => Parse(s.Address)).ToList();
            var owners = view.Partitions.Where(p => p.Live).ToDictionary(p => p.Partition, p => p.Owner!);
            return active.Count == silos && owners.Count == 16 && owners.All(o => Parse(o.Value).Equals(PartitionPlacement.OwnerOf(o.Key, active)))
                ? owners
                : null;
        },
        owners => owners is not null,
        $"16 partitions on the silos their placement picks among {silos} active silos",
        TimeSpan.FromSeconds(30)))!;

    /// <summary>A silo's address as Orleans prints it ("S127.0.0.1:11111:155664389").</summary>
    private static SiloAddress Parse(string printed)
    {
        var address = printed.TrimStart('S');
        var generation = address.LastIndexOf(':');
        return SiloAddress.FromParsableString($"{address[..generation]}@{address[(generation + 1)..]}");
    }
}
