using System.Net.Http.Headers;
using System.Text.Json;

namespace Dashboard.Upstream;

/// <summary>Calls the services' admin APIs (/api/v1/admin/...) with the admin key.</summary>
public sealed class AdminApiClient(IHttpClientFactory factory)
{
    public const string HttpClientName = "admin-api";

    /// <summary>The first of <paramref name="baseUrls"/> that answers 200, in order; otherwise what each said.</summary>
    public async Task<Answer> GetFirstAsync(IReadOnlyList<string> baseUrls, string path, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var baseUrl in baseUrls)
        {
            var answer = await GetAsync(baseUrl, path, cancellationToken);
            if (answer.Error is null)
            {
                return answer;
            }

            errors.Add(answer.Error);
        }

        return new Answer(null, null, string.Join("; ", errors));
    }

    public async Task<Answer> GetAsync(string baseUrl, string path, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await factory.CreateClient(HttpClientName).GetAsync(Combine(baseUrl, path), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new Answer(baseUrl, null, $"{baseUrl} answered {(int)response.StatusCode}: {ProblemTitle(body)}");
            }

            using var document = JsonDocument.Parse(body);
            return new Answer(baseUrl, document.RootElement.Clone(), null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return new Answer(baseUrl, null, $"{baseUrl}: {Describe(ex)}");
        }
    }

    /// <summary>
    /// Sends an action to the first instance that can be reached. Only a request that never reached an
    /// instance (connection refused) goes on to the next one; an answer, whatever it is, is returned.
    /// </summary>
    public async Task<Forwarded?> SendAsync(IReadOnlyList<string> baseUrls, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        foreach (var baseUrl in baseUrls)
        {
            try
            {
                using var request = new HttpRequestMessage(method, Combine(baseUrl, path));
                using var response = await factory.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
                return new Forwarded(
                    (int)response.StatusCode,
                    response.Content.Headers.ContentType ?? new MediaTypeHeaderValue("application/json"),
                    await response.Content.ReadAsStringAsync(cancellationToken));
            }
            catch (HttpRequestException) when (!cancellationToken.IsCancellationRequested)
            {
                // Not reached: the next instance may be.
            }
        }

        return null;
    }

    private static Uri Combine(string baseUrl, string path) => new($"{baseUrl.TrimEnd('/')}{path}");

    private static string Describe(Exception exception) => exception switch
    {
        TaskCanceledException => "no answer within the timeout",
        JsonException => "the answer is not JSON",
        _ => exception.Message,
    };

    private static string ProblemTitle(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "";
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}

/// <summary>A service's JSON answer (<see cref="Data"/>) and who gave it, or why nobody did (<see cref="Error"/>).</summary>
public sealed record Answer(string? Source, JsonElement? Data, string? Error);

/// <summary>A service's answer to an action, passed on to the page as it is.</summary>
public sealed record Forwarded(int StatusCode, MediaTypeHeaderValue ContentType, string Body);
