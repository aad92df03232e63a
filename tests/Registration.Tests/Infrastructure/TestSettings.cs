namespace Registration.Tests.Infrastructure;

/// <summary>Where the real PostgreSQL, RabbitMQ and Redis are: environment variables with the loopback defaults of scripts/infra.sh.</summary>
public static class TestSettings
{
    public static string PostgresHost { get; } = Env("TEST_PG_HOST", "127.0.0.1");
    public static int PostgresPort { get; } = int.Parse(Env("TEST_PG_PORT", "55432"), System.Globalization.CultureInfo.InvariantCulture);
    public static string PostgresUser { get; } = Env("TEST_PG_USER", "postgres");
    public static string PostgresPassword { get; } = Env("TEST_PG_PASSWORD", "postgres");
    public static string RabbitHost { get; } = Env("TEST_RABBIT_HOST", "127.0.0.1");
    public static int RabbitPort { get; } = int.Parse(Env("TEST_RABBIT_PORT", "5672"), System.Globalization.CultureInfo.InvariantCulture);
    public static int RabbitManagementPort { get; } = int.Parse(Env("TEST_RABBIT_MGMT_PORT", "15672"), System.Globalization.CultureInfo.InvariantCulture);
    public static string RabbitUser { get; } = Env("TEST_RABBIT_USER", "guest");
    public static string RabbitPassword { get; } = Env("TEST_RABBIT_PASSWORD", "guest");
    public static string Redis { get; } = Env("TEST_REDIS", "127.0.0.1:6380");

    public const string JwtSigningKey = "test-signing-key-of-at-least-thirty-two-bytes!";

    public static string PostgresConnectionString(string database, int? port = null) =>
        $"Host={PostgresHost};Port={port ?? PostgresPort};Username={PostgresUser};Password={PostgresPassword};Database={database};Timeout=5;Command Timeout=15;Maximum Pool Size=30";

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
