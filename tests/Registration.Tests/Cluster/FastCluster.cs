namespace Registration.Tests.Cluster;

/// <summary>The admin key of the test services.</summary>
public static class FastCluster
{
    public const string AdminKey = "test-admin-key";

    public static readonly (string Key, string? Value)[] Settings =
    [
        ("Admin:ApiKey", AdminKey),
    ];

    public static (string Key, string? Value)[] With(params (string Key, string? Value)[] more) => [.. Settings, .. more];
}
