namespace Registration.Tests.Infrastructure;

/// <summary>The admin key of the test services, as a setting to start them with.</summary>
public static class TestAdmin
{
    public const string Key = "test-admin-key";

    public static readonly (string Key, string? Value)[] Settings = [("Admin:ApiKey", Key)];

    public static (string Key, string? Value)[] With(params (string Key, string? Value)[] more) => [.. Settings, .. more];
}
