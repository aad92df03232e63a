using Dapper;
using Npgsql;

namespace Registration.Bench.Peers;

/// <summary>A peer's own database and RabbitMQ virtual host in one scenario run (created and removed by <see cref="Infrastructure.Sandbox"/>).</summary>
internal sealed class PeerSandbox(Peer peer, string database, string virtualHost, BenchSettings settings)
{
    public Peer Peer { get; } = peer;

    public string Database { get; } = database;

    public string VirtualHost { get; } = virtualHost;

    public string ConnectionString { get; } = settings.PostgresConnectionString(database);

    public NpgsqlDataSource Db { get; } = NpgsqlDataSource.Create(settings.PostgresConnectionString(database, poolSize: 4));

    /// <summary>The peer contract's broker address, through <paramref name="port"/> (a proxy's, to cut it) or straight to the broker.</summary>
    public string RabbitUri(int port) =>
        $"amqp://{Uri.EscapeDataString(settings.RabbitUser)}:{Uri.EscapeDataString(settings.RabbitPassword)}@{settings.RabbitHost}:{port}/{Uri.EscapeDataString(VirtualHost)}";

    public async Task<long> ScalarAsync(string sql, object? parameters = null)
    {
        await using var connection = await Db.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }
}
