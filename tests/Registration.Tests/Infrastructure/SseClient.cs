using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Registration.Tests.Infrastructure;

/// <summary>A Server-Sent Events connection for tests: reads events (id and data) as they come, skipping comments.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private SseClient(HttpResponseMessage response, StreamReader reader) => (_response, _reader) = (response, reader);

    public HttpResponseMessage Response => _response;

    /// <summary>Opens the stream and waits for its first comment (": connected"): the subscription exists from then on.</summary>
    public static async Task<SseClient> OpenAsync(HttpClient http, string token, string? lastEventId = null)
    {
        // 503 while the instance has not reached the cluster yet (it just started): asked again until it has.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HttpResponseMessage response;
        while (true)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/notifications/stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (lastEventId is not null)
            {
                request.Headers.Add("Last-Event-ID", lastEventId);
            }

            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                break;
            }

            response.Dispose();
            await Task.Delay(200);
        }

        if (!response.IsSuccessStatusCode)
        {
            // Read only when it failed: a stream's body never ends.
            Assert.Fail($"the stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        var first = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(": connected", first);
        return new SseClient(response, reader);
    }

    /// <summary>The next event, or a timeout that says what was awaited.</summary>
    public async Task<(long Id, JsonElement Data)> NextAsync(string expectation, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        try
        {
            return await ReadEventAsync().WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for a stream event: {expectation}");
        }
    }

    private async Task<(long Id, JsonElement Data)> ReadEventAsync()
    {
        long? id = null;
        string? data = null;
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (id is { } eventId && data is not null)
                {
                    return (eventId, JsonDocument.Parse(data).RootElement.Clone());
                }

                continue;
            }

            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
        }

        throw new EndOfStreamException("the stream ended");
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        await Task.CompletedTask;
    }
}
