using System.Diagnostics;
using AuthApi.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Registration.ServiceDefaults.Cluster;

namespace Registration.Bench.Workload;

/// <summary>
/// Registrations without the password hash, for the scenarios that compare the pipeline from the registering commit
/// on: one transaction stores the user row and its USER_REGISTERED event through the real <see cref="Events.Writer"/>,
/// then AuthApi's own <see cref="RelayWake"/> wakes the partition's relay grain, as AuthApi's register feature does
/// after hashing. At 20 registrations a second BCrypt alone takes about three quarters of this machine's two cores,
/// which would slow every process measured.
/// </summary>
internal sealed class DirectRegistrations : IAsyncDisposable
{
    private readonly NpgsqlDataSource _authDb;
    private readonly IHost _client;
    private readonly RelayWake _wake;

    private DirectRegistrations(NpgsqlDataSource authDb, IHost client)
    {
        _authDb = authDb;
        _client = client;
        _wake = new RelayWake(client.Services.GetRequiredService<ClusterConnection>(), NullLogger<RelayWake>.Instance);
    }

    /// <summary>Connects to the sandbox's cluster (its environment as the services get it) as AuthApi does.</summary>
    public static async Task<DirectRegistrations> ConnectAsync(
        NpgsqlDataSource authDb, Dictionary<string, string> clusterEnvironment, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(clusterEnvironment.Select(pair => KeyValuePair.Create(pair.Key.Replace("__", ":"), (string?)pair.Value)));
        builder.AddClusterConnection();
        var client = builder.Build();
        await client.StartAsync(cancellationToken);
        await client.Services.GetRequiredService<ClusterConnection>().ConnectedAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        return new DirectRegistrations(authDb, client);
    }

    /// <summary>Open loop (<see cref="OpenLoop"/>): one registration every 1/<paramref name="perSecond"/> s, whatever the previous ones are doing.</summary>
    public async Task<IReadOnlyList<Registration>> OpenLoopAsync(string prefix, double perSecond, TimeSpan duration, CancellationToken cancellationToken) =>
        await OpenLoop.RunAsync(perSecond, duration, i => RegisterAsync(prefix, i, cancellationToken), cancellationToken);

    private async Task<Registration> RegisterAsync(string prefix, int index, CancellationToken cancellationToken)
    {
        var message = Events.NewOutboxMessage(prefix, index);
        var sentAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        short partition;
        await using (var connection = await _authDb.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await using (var user = new NpgsqlCommand(
                "INSERT INTO users (id, email, password_hash) VALUES (@id, @email, 'not hashed: bench')", connection, transaction))
            {
                user.Parameters.AddWithValue("id", message.AggregateId);
                user.Parameters.AddWithValue("email", $"{prefix}-{index}@example.com");
                await user.ExecuteNonQueryAsync(cancellationToken);
            }

            partition = await Events.Writer.AddAsync(connection, transaction, message, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        _wake.Committed(partition);
        return new Registration(201, sentAt, DateTimeOffset.UtcNow, clock.Elapsed, message.EventId);
    }

    /// <summary>Wakes the relay of every partition a transaction of the harness wrote to, as AuthApi does after its commit.</summary>
    public void Committed(IEnumerable<short> partitions)
    {
        foreach (var partition in partitions.Distinct())
        {
            _wake.Committed(partition);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync(CancellationToken.None);
        _client.Dispose();
    }
}
