namespace Registration.Bench.Peers;

/// <summary>
/// Another .NET outbox measured beside ours in the same run: a web app under bench/Peers/PROJECT that follows the
/// peer contract (bench/Peers/README.md). The harness finds it by this name and runs its Release build.
/// </summary>
/// <param name="Key">Its name on the command line (--peers) and in the results' keys ("latency.p50@KEY").</param>
internal sealed record Peer(string Key, string Name, string Project)
{
    public static IReadOnlyList<Peer> All { get; } =
    [
        new("wolverine", "Wolverine", "WolverinePeer"),
        new("cap", "CAP", "CapPeer"),
    ];

    /// <summary>The key of this peer's value of a figure, beside ours in the same measurements.</summary>
    public string Id(string figureId) => Reporting.FigureSpec.PeerKey(figureId, Key);

    public string ProjectFile(string root) => Path.Combine(root, "bench", "Peers", Project, $"{Project}.csproj");

    public string Dll(string root) => Path.Combine(root, "bench", "Peers", Project, "bin", "Release", "net10.0", $"{Project}.dll");

    /// <summary>The peers whose project exists in this checkout (CAP's may not yet).</summary>
    public static IReadOnlyList<Peer> Present(string root) => All.Where(peer => File.Exists(peer.ProjectFile(root))).ToList();
}
