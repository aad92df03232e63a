using System.Globalization;
using Registration.Bench.Infrastructure;

namespace Registration.Bench.Peers;

/// <summary>What a peer process does (the contract's <c>Peer__Role</c>).</summary>
internal enum PeerRole
{
    Producer,
    Consumer,
}

/// <summary>Starts a peer's process in one role on its sandbox, as the peer contract says (bench/Peers/README.md).</summary>
internal static class PeerProcess
{
    public static Task<ServiceProcess> StartAsync(BenchSettings settings, PeerSandbox sandbox, PeerRole role, string name, int? brokerPort, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Peer"] = sandbox.ConnectionString,
            ["Rabbit__Uri"] = sandbox.RabbitUri(brokerPort ?? settings.RabbitPort),
            ["Peer__Role"] = role.ToString().ToLower(CultureInfo.InvariantCulture),
        };
        return ServiceProcess.StartDllAsync(settings, sandbox.Peer.Dll(settings.RepositoryRoot), $"{name}-{sandbox.Peer.Key}-{environment["Peer__Role"]}",
            environment, "/ready", "", cancellationToken);
    }
}
