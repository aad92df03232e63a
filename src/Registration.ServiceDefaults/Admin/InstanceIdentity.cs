namespace Registration.ServiceDefaults.Admin;

/// <summary>This process among the instances of its service, for figures kept per instance (e.g. the consumer's outcome counters).</summary>
public sealed class InstanceIdentity(string role)
{
    /// <summary>Unique per start: role, host, process id and a random suffix, e.g. "todo-consumer-host1-4242-a1b2c3".</summary>
    public string InstanceId { get; } = $"{role}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
}
