using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Registration.Bench.Infrastructure;

/// <summary>The RabbitMQ management HTTP API: one virtual host per scenario run, removed afterwards.</summary>
internal sealed class RabbitAdmin : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _user;

    public RabbitAdmin(BenchSettings settings)
    {
        _user = settings.RabbitUser;
        _http = new HttpClient { BaseAddress = new Uri($"http://{settings.RabbitHost}:{settings.RabbitManagementPort}/api/") };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.RabbitUser}:{settings.RabbitPassword}")));
    }

    public async Task CreateVirtualHostAsync(string vhost, CancellationToken cancellationToken)
    {
        (await _http.PutAsJsonAsync($"vhosts/{Uri.EscapeDataString(vhost)}", new { }, cancellationToken)).EnsureSuccessStatusCode();
        (await _http.PutAsJsonAsync(
            $"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(_user)}",
            new { configure = ".*", write = ".*", read = ".*" },
            cancellationToken)).EnsureSuccessStatusCode();
    }

    public async Task DeleteVirtualHostAsync(string vhost) =>
        await _http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");

    public async Task<IReadOnlyList<string>> VirtualHostsAsync(CancellationToken cancellationToken)
    {
        var hosts = await _http.GetFromJsonAsync<JsonElement>("vhosts", cancellationToken);
        return hosts.EnumerateArray().Select(host => host.GetProperty("name").GetString() ?? "").ToList();
    }

    /// <summary>The names of the queues in a virtual host (a peer's: whatever it declared).</summary>
    public async Task<IReadOnlyList<string>> QueuesAsync(string vhost, CancellationToken cancellationToken)
    {
        var queues = await _http.GetFromJsonAsync<JsonElement>($"queues/{Uri.EscapeDataString(vhost)}?columns=name", cancellationToken);
        return queues.EnumerateArray().Select(queue => queue.GetProperty("name").GetString() ?? "").ToList();
    }

    public void Dispose() => _http.Dispose();
}
