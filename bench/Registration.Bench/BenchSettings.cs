using System.Globalization;

namespace Registration.Bench;

/// <summary>
/// Where PostgreSQL, RabbitMQ and the built services are: environment variables with the loopback
/// defaults of scripts/infra.sh, and the repository root (for the services' Release output).
/// </summary>
internal sealed class BenchSettings
{
    public const string JwtSigningKey = "bench-signing-key-of-at-least-thirty-two-bytes!!";

    public string PostgresHost { get; } = Env("BENCH_PG_HOST", "127.0.0.1");
    public int PostgresPort { get; } = int.Parse(Env("BENCH_PG_PORT", "55432"), CultureInfo.InvariantCulture);
    public string PostgresUser { get; } = Env("BENCH_PG_USER", "postgres");
    public string PostgresPassword { get; } = Env("BENCH_PG_PASSWORD", "postgres");
    public string RabbitHost { get; } = Env("BENCH_RABBIT_HOST", "127.0.0.1");
    public int RabbitPort { get; } = int.Parse(Env("BENCH_RABBIT_PORT", "5672"), CultureInfo.InvariantCulture);
    public int RabbitManagementPort { get; } = int.Parse(Env("BENCH_RABBIT_MGMT_PORT", "15672"), CultureInfo.InvariantCulture);
    public string RabbitUser { get; } = Env("BENCH_RABBIT_USER", "guest");
    public string RabbitPassword { get; } = Env("BENCH_RABBIT_PASSWORD", "guest");

    public required string RepositoryRoot { get; init; }

    /// <summary>A service's Release build: the card's projects at the top level, the others under src/.</summary>
    public string ServiceDll(string project) =>
        Path.Combine(RepositoryRoot, Directory.Exists(Path.Combine(RepositoryRoot, project)) ? project : Path.Combine("src", project), "bin", "Release", "net10.0", $"{project}.dll");

    public string Redis { get; } = Env("BENCH_REDIS", "127.0.0.1:6380");

    public string LogDirectory => Path.Combine(RepositoryRoot, "artifacts", "bench", "logs");

    /// <summary>The connection string a service or the harness uses; <paramref name="poolSize"/> as the services' appsettings.</summary>
    public string PostgresConnectionString(string database, int poolSize = 50) =>
        $"Host={PostgresHost};Port={PostgresPort};Username={PostgresUser};Password={PostgresPassword};Database={database};Maximum Pool Size={poolSize};Timeout=10;Command Timeout=60";

    private static string Env(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}
