using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// A loopback TCP proxy in front of PostgreSQL or RabbitMQ, so a test (or a benchmark) can make the server unreachable
/// for the services under test only: <see cref="Cut"/> drops every open connection and refuses new
/// ones (they are accepted and closed at once) until <see cref="Restore"/>.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new(); // never disposed: it also marks the proxy as disposed
    private readonly ConcurrentDictionary<Guid, (TcpClient Client, TcpClient Upstream)> _open = new();
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly Task _acceptLoop;
    private volatile bool _up = true;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    public bool IsUp => _up;

    public void Cut()
    {
        _up = false;
        foreach (var (id, pair) in _open)
        {
            Close(id, pair);
        }
    }

    public void Restore() => _up = true;

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }

            if (!_up)
            {
                client.Dispose();
                continue;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(_targetHost, _targetPort, _stopping.Token);
            }
            catch (Exception)
            {
                upstream.Dispose();
                client.Dispose();
                continue;
            }

            var id = Guid.NewGuid();
            _open[id] = (client, upstream);
            _pumps.Add(PumpAsync(id, client, upstream));
        }
    }

    private async Task PumpAsync(Guid id, TcpClient client, TcpClient upstream)
    {
        try
        {
            await Task.WhenAny(
                client.GetStream().CopyToAsync(upstream.GetStream(), _stopping.Token),
                upstream.GetStream().CopyToAsync(client.GetStream(), _stopping.Token));
        }
        catch (Exception)
        {
            // Either side went away; the connection is closed below.
        }
        finally
        {
            Close(id, (client, upstream));
        }
    }

    private void Close(Guid id, (TcpClient Client, TcpClient Upstream) pair)
    {
        _open.TryRemove(id, out _);
        pair.Client.Dispose();
        pair.Upstream.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        Cut();
        await _acceptLoop;
        await Task.WhenAll(_pumps);
    }
}
