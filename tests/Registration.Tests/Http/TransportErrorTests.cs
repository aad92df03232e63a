using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Http;

/// <summary>
/// Requests broken at the transport, sent byte for byte to each service on Kestrel: a chunk size that is not hex, one of
/// 2^31 and more, a body shorter than its Content-Length, and a connection reset in the middle of the body. Each is
/// answered 400 (or 413), or the connection is closed (an endpoint that reads no body answers first); none is a 5xx, none is logged above Warning or with a stack trace,
/// and the service answers the next request.
/// </summary>
public sealed class TransportErrorTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    private static readonly string[] Breakages = ["chunk size not hex", "chunk size of 2^31", "chunk size of 2^64", "body cut short", "reset mid-body"];

    [Fact]
    public async Task Auth_api_answers_a_broken_body_with_a_4xx_and_logs_no_error()
    {
        var auth = _system.StartAuthApiListening();

        await AssertHandledAsync(auth.Address!, auth.Logs, "POST /api/v1/auth/register HTTP/1.1");
    }

    [Fact]
    public async Task Todo_consumer_answers_a_broken_body_with_a_4xx_and_logs_no_error()
    {
        var token = await SignedInAsync();
        var todos = _system.StartTodoConsumerListening(("Consumer:Enabled", "false"));

        await AssertHandledAsync(todos.Address!, todos.Logs, $"POST /api/v1/todos HTTP/1.1\r\nAuthorization: Bearer {token}");
    }

    [Fact]
    public async Task Notifications_answers_a_broken_body_with_a_4xx_and_logs_no_error()
    {
        await _system.StartSiloAsync(); // marking read is the user's grain's work
        var token = await SignedInAsync();
        var notifications = _system.StartNotificationsListening(("Consumer:Enabled", "false"));
        using var signedIn = new HttpClient { BaseAddress = notifications.Address }.WithToken(token);
        await Eventually.TrueAsync(
            async () => (await signedIn.PostAsync("/api/v1/notifications/read-all", null)).StatusCode == HttpStatusCode.NoContent,
            "the notification service to reach the cluster",
            TimeSpan.FromSeconds(60));

        await AssertHandledAsync(notifications.Address!, notifications.Logs, $"POST /api/v1/notifications/read-all HTTP/1.1\r\nAuthorization: Bearer {token}");
    }

    private async Task<string> SignedInAsync()
    {
        var email = ApiClient.NewEmail();
        var auth = _system.StartAuthApi().CreateClient();
        await auth.RegisterOkAsync(email);
        return await auth.LoginAsync(email, "grey stapler orbit");
    }

    private static async Task AssertHandledAsync(Uri service, LogCapture logs, string requestLine)
    {
        foreach (var breakage in Breakages)
        {
            await AssertHandledAsync(service, logs, requestLine, breakage);
        }
    }

    private static async Task AssertHandledAsync(Uri service, LogCapture logs, string requestLine, string breakage)
    {
        var head = $"{requestLine}\r\nContent-Type: application/json";
        var status = breakage switch
        {
            "chunk size not hex" => await RawHttp.SendAsync(service, $"{head}\r\nTransfer-Encoding: chunked", "zz\r\n{}\r\n0\r\n\r\n"),
            "chunk size of 2^31" => await RawHttp.SendAsync(service, $"{head}\r\nTransfer-Encoding: chunked", "80000000\r\n{\"title\":\"x\"}\r\n0\r\n\r\n"),
            "chunk size of 2^64" => await RawHttp.SendAsync(service, $"{head}\r\nTransfer-Encoding: chunked", "10000000000000000\r\n{}\r\n0\r\n\r\n"),
            "body cut short" => await CutShortAsync(service, $"{head}\r\nContent-Length: 100", "{\"title\":"),
            "reset mid-body" => await ResetAsync(service, $"{head}\r\nContent-Length: 100", "{\"title\":"),
            _ => throw new ArgumentOutOfRangeException(nameof(breakage)),
        };

        // (An endpoint that takes no body answers without reading it: 204, and the connection is closed after it.)
        Assert.True(
            status is null or HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.NoContent,
            $"{breakage}: answered {(int?)status} {status}");
        // The service is still there, and said nothing louder than a Warning, never with a stack trace.
        using var http = new HttpClient { BaseAddress = service };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var loud = logs.Entries.Where(e => e.Level > LogLevel.Warning || e.Exception is not null).ToList();
        Assert.True(loud.Count == 0, $"{breakage}: logged {string.Join(" | ", loud.Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception?.Split('\n')[0]}"))}");
    }

    /// <summary>Part of the body, then the sending side closed: the server reads an early end of the body.</summary>
    private static async Task<HttpStatusCode?> CutShortAsync(Uri service, string head, string partialBody)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(service.Host, service.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{head}\r\nHost: {service.Authority}\r\n\r\n{partialBody}"));
        client.Client.Shutdown(SocketShutdown.Send);
        return await RawHttp.ReadStatusAsync(stream);
    }

    /// <summary>Part of the body, then a TCP reset (linger 0): nobody is left to answer.</summary>
    private static async Task<HttpStatusCode?> ResetAsync(Uri service, string head, string partialBody)
    {
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(service.Host, service.Port);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"{head}\r\nHost: {service.Authority}\r\n\r\n{partialBody}"));
            await Task.Delay(200); // the server is reading the body
            client.Client.LingerState = new LingerOption(true, 0);
        }

        await Task.Delay(500); // the server notices the reset
        return null;
    }
}
