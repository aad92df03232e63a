using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuthApi.Security;
using Registration.ServiceDefaults.Auth;

namespace Registration.Bench.Workload;

/// <summary>
/// One open Server-Sent Events stream (<c>GET /api/v1/notifications/stream</c>) per user on the Notifications service,
/// read as a client reads it; every notification is stamped with the wall clock the moment its event is complete,
/// by the todo it names. The users' todo changes go through TodoConsumer's API (<c>POST /api/v1/todos</c>) with the same tokens.
/// </summary>
internal sealed class NotificationStreams : IAsyncDisposable
{
    // Tokens made once, for the whole run: valid for an hour rather than the default access token's ten minutes.
    private static readonly TokenIssuer Tokens = new(
        Microsoft.Extensions.Options.Options.Create(new JwtOptions { SigningKey = BenchSettings.JwtSigningKey, AccessTokenLifetime = TimeSpan.FromHours(1) }), TimeProvider.System);

    private readonly HttpClient _streams;
    private readonly HttpClient _todos;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _readers = [];
    private readonly (Guid Id, string Token)[] _users;

    private NotificationStreams(Uri notifications, Uri todos, int users)
    {
        _streams = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { BaseAddress = notifications, Timeout = Timeout.InfiniteTimeSpan };
        _todos = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = todos, Timeout = TimeSpan.FromSeconds(30) };
        _users = Enumerable.Range(0, users).Select(_ => Guid.CreateVersion7()).Select(id => (id, Tokens.Issue(id, $"{id:N}@example.com").Token)).ToArray();
    }

    /// <summary>When each todo's notification arrived on its user's stream (UTC wall clock), by todo id.</summary>
    public ConcurrentDictionary<Guid, DateTime> Received { get; } = new();

    /// <summary>Events that arrived with no todo id, or for a todo seen before (none expected).</summary>
    public int Unexpected;

    /// <summary>Streams the server ended while the harness still read them (e.g. a full buffer); none expected.</summary>
    public int Ended;

    /// <summary>The user a change of index <paramref name="index"/> is made for.</summary>
    public Guid UserOf(int index) => _users[index % _users.Length].Id;

    public static async Task<NotificationStreams> OpenAsync(Uri notifications, Uri todos, int users, CancellationToken cancellationToken)
    {
        var streams = new NotificationStreams(notifications, todos, users);
        try
        {
            foreach (var (_, token) in streams._users)
            {
                var reader = await streams.OpenOneAsync(token, cancellationToken);
                streams._readers.Add(Task.Run(() => streams.ReadAsync(reader), CancellationToken.None));
            }
        }
        catch
        {
            await streams.DisposeAsync();
            throw;
        }

        return streams;
    }

    /// <summary>Creates a todo for user <paramref name="index"/> (modulo the users) through the API; returns its id and the request's time.</summary>
    public async Task<(Guid TodoId, TimeSpan Latency)> CreateTodoAsync(int index, string title, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/todos") { Content = JsonContent.Create(new { title }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _users[index % _users.Length].Token);
        using var response = await _todos.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/v1/todos answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        return (body.RootElement.GetProperty("id").GetGuid(), started.Elapsed);
    }

    private async Task<StreamReader> OpenOneAsync(string token, CancellationToken cancellationToken)
    {
        // 503 until the instance has reached the cluster: asked again until it has (as the tests' SseClient does).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/notifications/stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await _streams.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline)
            {
                response.Dispose();
                await Task.Delay(200, cancellationToken);
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"the stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
            // The first comment (": connected"): the subscription exists from then on.
            var first = await reader.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return first == ": connected" ? reader : throw new InvalidOperationException($"the stream began with '{first}', not ': connected'");
        }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        string? data = null;
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        var now = DateTime.UtcNow;
                        using var document = JsonDocument.Parse(data);
                        if (document.RootElement.TryGetProperty("todoId", out var todo) && todo.ValueKind == JsonValueKind.String
                            && Received.TryAdd(todo.GetGuid(), now))
                        {
                        }
                        else
                        {
                            Interlocked.Increment(ref Unexpected);
                        }
                    }

                    data = null;
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }

            Interlocked.Increment(ref Ended);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception) when (!_stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref Ended);
        }
        finally
        {
            reader.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _streams.Dispose();
        try
        {
            await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
            // A stream cut by the disposal: nothing more to read.
        }

        _todos.Dispose();
        _stop.Dispose();
    }
}
