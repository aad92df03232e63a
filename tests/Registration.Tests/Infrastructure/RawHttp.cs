using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// HTTP/1.1 written byte for byte on a socket, for what HttpClient will not send: a path with percent-encoded letters (it
/// decodes them), a malformed chunk size, a body cut short.
/// </summary>
public static class RawHttp
{
    /// <summary>Sends <paramref name="head"/> (the request line and headers, without the blank line) and <paramref name="body"/>, and returns the answer's status, or null when the server closed the connection without one.</summary>
    public static async Task<HttpStatusCode?> SendAsync(Uri server, string head, string body = "")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{head}\r\nHost: {server.Authority}\r\nConnection: close\r\n\r\n{body}"));
        return await ReadStatusAsync(stream);
    }

    /// <summary>The status of the answer on <paramref name="stream"/>; null when the server closed or reset the connection without one.</summary>
    public static async Task<HttpStatusCode?> ReadStatusAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        try
        {
            var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return status?.Split(' ') is [_, var code, ..] ? (HttpStatusCode)int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) : null;
        }
        catch (IOException)
        {
            return null; // reset: a server may close a connection whose request it did not read to the end
        }
    }

    /// <summary>A JSON POST of <paramref name="json"/> to <paramref name="path"/>, the path sent exactly as given.</summary>
    public static Task<HttpStatusCode?> PostJsonAsync(Uri server, string path, string json) =>
        SendAsync(server, $"POST {path} HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}", json);
}
