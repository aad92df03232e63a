using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Registration.Tests.Infrastructure;

/// <summary>The RabbitMQ management HTTP API: virtual hosts per test, and policies to make the broker refuse messages.</summary>
public static class RabbitManagement
{
    private static readonly HttpClient Http = CreateClient();

    public static async Task CreateVirtualHostAsync(string vhost)
    {
        (await Http.PutAsJsonAsync($"vhosts/{Uri.EscapeDataString(vhost)}", new { })).EnsureSuccessStatusCode();
        (await Http.PutAsJsonAsync(
            $"permissions/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(TestSettings.RabbitUser)}",
            new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
    }

    public static async Task DeleteVirtualHostAsync(string vhost) =>
        await Http.DeleteAsync($"vhosts/{Uri.EscapeDataString(vhost)}");

    public static async Task SetPolicyAsync(string vhost, string name, string queuePattern, object definition) =>
        (await Http.PutAsJsonAsync(
            $"policies/{Uri.EscapeDataString(vhost)}/{name}",
            new { pattern = queuePattern, definition, priority = 10, apply_to = "queues" })).EnsureSuccessStatusCode();

    public static async Task DeletePolicyAsync(string vhost, string name) =>
        (await Http.DeleteAsync($"policies/{Uri.EscapeDataString(vhost)}/{name}")).EnsureSuccessStatusCode();

    /// <summary>The policy definition the broker applies to a queue right now (empty when none).</summary>
    public static async Task<string> EffectivePolicyAsync(string vhost, string queue)
    {
        var info = await Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}");
        return info.TryGetProperty("effective_policy_definition", out var definition) ? definition.GetRawText() : "";
    }

    /// <summary>Messages of a queue handed to a consumer and neither acked nor returned yet.</summary>
    public static async Task<long> UnackedAsync(string vhost, string queue)
    {
        var info = await Http.GetFromJsonAsync<System.Text.Json.JsonElement>($"queues/{Uri.EscapeDataString(vhost)}/{Uri.EscapeDataString(queue)}");
        return info.TryGetProperty("messages_unacknowledged", out var unacked) ? unacked.GetInt64() : 0;
    }

    private static HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://{TestSettings.RabbitHost}:{TestSettings.RabbitManagementPort}/api/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{TestSettings.RabbitUser}:{TestSettings.RabbitPassword}")));
        return client;
    }
}
