namespace Registration.Tests.Infrastructure;

/// <summary>The admin key and the scraper's password of the test services, as settings to start them with.</summary>
public static class TestAdmin
{
    public const string Key = "test-admin-key";
    public const string MetricsUser = "prometheus";
    public const string MetricsPassword = "test-metrics-password";

    public static readonly (string Key, string? Value)[] Settings = [("Admin:ApiKey", Key), ("Metrics:Password", MetricsPassword)];

    public static (string Key, string? Value)[] With(params (string Key, string? Value)[] more) => [.. Settings, .. more];
}
