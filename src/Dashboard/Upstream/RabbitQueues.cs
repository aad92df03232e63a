using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Dashboard.Upstream;

/// <summary>
/// A queue as the RabbitMQ management API sees it (GET /api/queues/{vhost}/{name}): depth, consumers,
/// rates, and depth samples over the last five minutes. The broker refreshes these statistics every
/// few seconds, so they trail the services' own numbers a little.
/// </summary>
public sealed class RabbitQueues(IHttpClientFactory factory, IOptions<DashboardOptions> options)
{
    public const string HttpClientName = "rabbitmq-management";

    public async Task<QueueState> GetAsync(string queue, CancellationToken cancellationToken)
    {
        var path = $"queues/{Uri.EscapeDataString(options.Value.RabbitMqVirtualHost)}/{Uri.EscapeDataString(queue)}"
            + "?lengths_age=300&lengths_incr=10&msg_rates_age=60&msg_rates_incr=10";
        try
        {
            using var response = await factory.CreateClient(HttpClientName).GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return QueueState.Failed(queue, $"the management API answered {(int)response.StatusCode}");
            }

            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return Read(queue, document.RootElement);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return QueueState.Failed(queue, ex is TaskCanceledException ? "the management API did not answer in time" : ex.Message);
        }
    }

    private static QueueState Read(string queue, JsonElement json)
    {
        var stats = json.TryGetProperty("message_stats", out var s) ? s : default;
        return new QueueState(
            queue,
            Long(json, "messages"),
            Long(json, "messages_ready"),
            Long(json, "messages_unacknowledged"),
            Long(json, "consumers"),
            Rate(stats, "publish_details"),
            Rate(stats, "deliver_get_details"),
            Rate(stats, "ack_details"),
            Samples(json),
            null);
    }

    private static long? Long(JsonElement json, string name) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : null;

    private static double? Rate(JsonElement stats, string name) =>
        stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty(name, out var details) && details.TryGetProperty("rate", out var rate)
            ? Math.Round(rate.GetDouble(), 2)
            : stats.ValueKind == JsonValueKind.Object ? 0 : null;

    private static List<QueueSample> Samples(JsonElement json)
    {
        if (!json.TryGetProperty("messages_details", out var details) || !details.TryGetProperty("samples", out var samples))
        {
            return [];
        }

        return [.. samples.EnumerateArray()
            .Select(sample => new QueueSample(DateTimeOffset.FromUnixTimeMilliseconds(sample.GetProperty("timestamp").GetInt64()), sample.GetProperty("sample").GetInt64()))
            .OrderBy(sample => sample.At)];
    }
}

/// <summary>One queue: depth (ready + unacknowledged), consumers, rates per second and depth samples; or why it could not be read.</summary>
public sealed record QueueState(
    string Name,
    long? Messages,
    long? Ready,
    long? Unacknowledged,
    long? Consumers,
    double? PublishPerSecond,
    double? DeliverPerSecond,
    double? AckPerSecond,
    IReadOnlyList<QueueSample> DepthSamples,
    string? Error)
{
    public static QueueState Failed(string name, string error) => new(name, null, null, null, null, null, null, null, [], error);
}

public sealed record QueueSample(DateTimeOffset At, long Messages);
