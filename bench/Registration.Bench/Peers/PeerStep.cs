using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Peers;

/// <summary>Runs one peer's part of a scenario run: a peer that fails leaves ours and the other peers' figures standing.</summary>
internal static class PeerStep
{
    public static async Task RunAsync(Peer peer, Measurements m, Func<Task> measure)
    {
        try
        {
            await measure();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Progress.Say($"  {peer.Name} FAILED: {ex.GetType().Name}: {ex.Message}");
            m.Notes.Add($"{peer.Name} failed in a run (its cells are empty for it): {ex.GetType().Name}: {ex.Message}");
        }
    }
}
