using System.Text.Json;
using StackExchange.Redis;

namespace Registration.Tests.Infrastructure;

/// <summary>The Orleans membership table of a test cluster, read straight from Redis (no silo needs to answer).</summary>
public sealed class ClusterMembers(string clusterId) : IAsyncDisposable
{
    public const int Active = 3;
    public const int Dead = 6;

    private readonly Lazy<Task<ConnectionMultiplexer>> _redis = new(() => ConnectionMultiplexer.ConnectAsync(TestSettings.Redis));

    /// <summary>Each silo's status (Orleans' SiloStatus as a number), by the silo's address as "127.0.0.1:port".</summary>
    public async Task<Dictionary<string, int>> StatusesAsync()
    {
        var redis = await _redis.Value;
        var entries = await redis.GetDatabase().HashGetAllAsync($"{clusterId}/members/{clusterId}");
        var statuses = new Dictionary<string, int>();
        foreach (var entry in entries.Where(e => e.Name != "Version"))
        {
            using var json = JsonDocument.Parse(entry.Value.ToString());
            var address = json.RootElement.GetProperty("SiloAddress").GetProperty("SiloAddress").GetString()!;
            statuses[address[..address.IndexOf('@', StringComparison.Ordinal)]] = json.RootElement.GetProperty("Status").GetInt32();
        }

        return statuses;
    }

    public async Task<int?> StatusOfAsync(ServiceProcess silo) =>
        (await StatusesAsync()).TryGetValue($"127.0.0.1:{silo.SiloPort}", out var status) ? status : null;

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated)
        {
            await (await _redis.Value).DisposeAsync();
        }
    }
}
