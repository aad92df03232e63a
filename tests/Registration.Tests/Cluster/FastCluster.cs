using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>Cluster timings shrunk for tests (heartbeat 0.5 s, dead after 1.5 s, lease TTL 2 s, 8 partitions).</summary>
public static class FastCluster
{
    public const string AdminKey = "test-admin-key";
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);

    public static readonly (string Key, string? Value)[] Settings =
    [
        ("Outbox:Partitions", "8"),
        ("Outbox:LeaseTtl", "00:00:02"),
        ("Membership:HeartbeatInterval", "00:00:00.500"),
        ("Admin:ApiKey", AdminKey),
    ];

    public static (string Key, string? Value)[] With(params (string Key, string? Value)[] more) => [.. Settings, .. more];

    /// <summary>Live leases per owner instance.</summary>
    public static async Task<Dictionary<string, int>> LeaseOwnersAsync(this TestSystem system)
    {
        await using var connection = await system.AuthDb.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string Owner, int Count)>(
            "SELECT owner, count(*)::int FROM outbox_leases WHERE owner IS NOT NULL AND expires_at > now() GROUP BY owner");
        return rows.ToDictionary(r => r.Owner, r => r.Count);
    }

    public static string InstanceId(this ServiceHost<AuthApi.Program> host) =>
        host.Services.GetRequiredService<Registration.Messaging.Membership.InstanceIdentity>().InstanceId;
}
