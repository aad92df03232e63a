using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Registration.Tests.Infrastructure;

/// <summary>A real nginx rendered from deploy/nginx/gateway.conf.template, in front of the given instances.</summary>
public sealed class NginxGateway : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly Process _nginx;

    private NginxGateway(string prefix, Process nginx, int port)
    {
        _prefix = prefix;
        _nginx = nginx;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    /// <param name="notifyInstances">The Notifications instances; none: the route answers 503 (an upstream needs a server, so a closed port stands in).</param>
    public static async Task<NginxGateway> StartAsync(
        IEnumerable<Uri> authInstances, IEnumerable<Uri> todoInstances, string rate = "1000r/s", int burst = 1000, IEnumerable<Uri>? notifyInstances = null)
    {
        var prefix = Directory.CreateTempSubdirectory("gateway-").FullName;
        Directory.CreateDirectory(Path.Combine(prefix, "tmp"));
        var port = FreePort();
        static string Servers(IEnumerable<Uri> instances) =>
            string.Join('\n', instances.Select(i => $"        server 127.0.0.1:{i.Port} max_fails=1 fail_timeout=5s;"));
        var config = (await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "nginx", "gateway.conf.template")))
            .Replace("{{PREFIX}}", prefix, StringComparison.Ordinal)
            .Replace("{{LISTEN}}", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("{{RATE}}", rate, StringComparison.Ordinal)
            .Replace("{{BURST}}", burst.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{{AUTH_SERVERS}}", Servers(authInstances), StringComparison.Ordinal)
            .Replace("{{TODO_SERVERS}}", Servers(todoInstances), StringComparison.Ordinal)
            .Replace("{{NOTIFY_SERVERS}}", Servers(notifyInstances ?? [new Uri("http://127.0.0.1:1")]), StringComparison.Ordinal);
        var configPath = Path.Combine(prefix, "nginx.conf");
        await File.WriteAllTextAsync(configPath, config);

        var nginx = Process.Start(new ProcessStartInfo(File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx", ["-p", prefix, "-c", configPath, "-g", "daemon off;"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var gateway = new NginxGateway(prefix, nginx, port);
        using var http = new HttpClient();
        await Eventually.TrueAsync(
            async () =>
            {
                if (nginx.HasExited)
                {
                    throw new InvalidOperationException($"nginx exited: {await nginx.StandardError.ReadToEndAsync()}");
                }

                try
                {
                    return (await http.GetAsync(new Uri(gateway.Address, "/gateway/health"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "nginx to answer on its port");
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_nginx.HasExited)
        {
            _nginx.Kill(entireProcessTree: true);
            await _nginx.WaitForExitAsync();
        }

        _nginx.Dispose();
        Directory.Delete(_prefix, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Registration.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Registration.sln not found above the test binaries.");
    }
}
