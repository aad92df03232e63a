namespace Registration.Tests.Cluster;

/// <summary>Membership timings shrunk for tests (heartbeat 0.5 s, dead after 1.5 s) and the admin key.</summary>
public static class FastCluster
{
    public const string AdminKey = "test-admin-key";

    public static readonly (string Key, string? Value)[] Settings =
    [
        ("Membership:HeartbeatInterval", "00:00:00.500"),
        ("Admin:ApiKey", AdminKey),
    ];

    public static (string Key, string? Value)[] With(params (string Key, string? Value)[] more) => [.. Settings, .. more];
}
