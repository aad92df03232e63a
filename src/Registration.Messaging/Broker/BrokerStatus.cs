using System.Collections.Concurrent;

namespace Registration.Messaging.Broker;

/// <summary>What each broker-using worker of this process last saw; read by the readiness check.</summary>
public sealed class BrokerStatus
{
    private readonly ConcurrentDictionary<string, BrokerConnectionState> _workers = new();

    public void Connected(string worker) => _workers[worker] = new BrokerConnectionState(true, null, DateTimeOffset.UtcNow);

    public void Disconnected(string worker, string reason) => _workers[worker] = new BrokerConnectionState(false, reason, DateTimeOffset.UtcNow);

    public IReadOnlyDictionary<string, BrokerConnectionState> Snapshot() => new Dictionary<string, BrokerConnectionState>(_workers);
}

public sealed record BrokerConnectionState(bool IsConnected, string? LastError, DateTimeOffset Since);
