using Registration.Bench.Reporting;

namespace Registration.Bench.Peers;

/// <summary>Scenario 5 for a peer: peak RSS and CPU per 1,000 events of each of its processes, and of the whole peer.</summary>
internal static class PeerResources
{
    public static void Record(Measurements m, Peer peer, PeerSystem system, TimeSpan cpuUsed, int events)
    {
        m[peer.Id("res.total.rss")] = system.Producer.PeakRssMiB + system.Consumer.PeakRssMiB;
        m[peer.Id("res.total.cpu")] = cpuUsed.TotalMilliseconds * 1000 / events;
        m[$"{peer.Name}: producer peak RSS (MiB)"] = system.Producer.PeakRssMiB;
        m[$"{peer.Name}: consumer peak RSS (MiB)"] = system.Consumer.PeakRssMiB;
        m[$"{peer.Name}: producer idle RSS after start (MiB)"] = system.Producer.ReadyRssMiB;
        m[$"{peer.Name}: consumer idle RSS after start (MiB)"] = system.Consumer.ReadyRssMiB;
    }
}
