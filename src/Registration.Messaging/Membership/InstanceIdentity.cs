using System.Reflection;

namespace Registration.Messaging.Membership;

/// <summary>Who this process is in the cluster: a unique instance id, its service role and the workers it runs.</summary>
public sealed class InstanceIdentity(string role, IEnumerable<string> workers)
{
    public string Role { get; } = role;

    public string InstanceId { get; } = $"{role}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();

    public string Host { get; } = Environment.MachineName;

    public int ProcessId { get; } = Environment.ProcessId;

    public string Version { get; } = Assembly.GetEntryAssembly()?.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The background workers this instance runs, e.g. "relay" or "consumer".</summary>
    public IReadOnlyList<string> Workers { get; } = [.. workers.Distinct()];
}
