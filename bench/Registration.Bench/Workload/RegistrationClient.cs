using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Registration.Bench.Workload;

/// <summary>POST /api/v1/auth/register as a client would, recording when each request went out and came back.</summary>
internal sealed class RegistrationClient : IDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly HttpClient _http;
    private readonly string _path;

    /// <param name="path">AuthApi's endpoint, or a peer's <c>/register</c> (bench/Peers: it takes the same body and ignores the password).</param>
    public RegistrationClient(Uri baseAddress, TimeSpan timeout, string path = "/api/v1/auth/register")
    {
        _path = path;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = timeout,
        };
    }

    public async Task<Registration> RegisterAsync(string email, CancellationToken cancellationToken)
    {
        var body = new StringContent(JsonSerializer.Serialize(new { email, password = Password }), Encoding.UTF8, "application/json");
        var sentAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await _http.PostAsync(_path, body, cancellationToken);
            var answeredAt = DateTimeOffset.UtcNow;
            var latency = clock.Elapsed;
            Guid? eventId = null;
            if (response.StatusCode == HttpStatusCode.Created)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                eventId = json.RootElement.GetProperty("eventId").GetGuid();
            }

            return new Registration((int)response.StatusCode, sentAt, answeredAt, latency, eventId);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Registration(0, sentAt, DateTimeOffset.UtcNow, clock.Elapsed, null);
        }
        catch (HttpRequestException)
        {
            return new Registration(-1, sentAt, DateTimeOffset.UtcNow, clock.Elapsed, null);
        }
    }

    /// <summary>Open loop (<see cref="OpenLoop"/>): request i goes out at start + i / rate whether or not earlier ones have answered.</summary>
    public async Task<IReadOnlyList<Registration>> OpenLoopAsync(string prefix, double perSecond, TimeSpan duration, CancellationToken cancellationToken) =>
        await OpenLoop.RunAsync(perSecond, duration, i => RegisterAsync($"{prefix}-{i}@example.com", cancellationToken), cancellationToken);

    /// <summary>Closed loop: <paramref name="clients"/> clients, each sending its next request when the last one answered.</summary>
    public async Task<IReadOnlyList<Registration>> ClosedLoopAsync(string prefix, int clients, TimeSpan duration, CancellationToken cancellationToken)
    {
        var results = new System.Collections.Concurrent.ConcurrentBag<Registration>();
        var clock = Stopwatch.StartNew();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (clock.Elapsed < duration)
            {
                results.Add(await RegisterAsync($"{prefix}-{Interlocked.Increment(ref next)}@example.com", cancellationToken));
            }
        }));
        return results.ToList();
    }

    public void Dispose() => _http.Dispose();
}

/// <param name="Status">HTTP status; 0 when the client timed out, -1 when the connection failed.</param>
internal sealed record Registration(int Status, DateTimeOffset SentAt, DateTimeOffset AnsweredAt, TimeSpan Latency, Guid? EventId);
