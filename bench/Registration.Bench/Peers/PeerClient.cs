using System.Net;
using System.Net.Http.Json;

namespace Registration.Bench.Peers;

/// <summary>The peer contract's <c>POST /register-batch</c>: many users and their events in one transaction.</summary>
internal static class PeerClient
{
    public static async Task RegisterBatchAsync(Uri producer, string prefix, int count, CancellationToken cancellationToken)
    {
        // A framework that stores each outbox envelope with its own statement takes minutes for 20,000 on a busy machine.
        using var http = new HttpClient { BaseAddress = producer, Timeout = TimeSpan.FromMinutes(10) };
        using var response = await http.PostAsJsonAsync("/register-batch", new { prefix, count }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /register-batch of {count} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
