using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// A real nginx rendered from deploy/nginx/gateway.conf.template, in front of the given instances: plain HTTP at
/// <see cref="Address"/>, HTTPS at <see cref="TlsAddress"/> with a self-signed certificate for 127.0.0.1 (<see cref="Certificate"/>).
/// </summary>
public sealed class NginxGateway : IAsyncDisposable
{
    private readonly string _prefix;
    private readonly Process _nginx;

    private NginxGateway(string prefix, Process nginx, int port, int tlsPort, X509Certificate2 certificate)
    {
        _prefix = prefix;
        _nginx = nginx;
        Address = new Uri($"http://127.0.0.1:{port}");
        TlsAddress = new Uri($"https://127.0.0.1:{tlsPort}");
        Certificate = certificate;
    }

    public Uri Address { get; }

    public Uri TlsAddress { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>A client of <see cref="TlsAddress"/> that trusts exactly this gateway's certificate.</summary>
    public HttpClient CreateTlsClient()
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.RawData.AsSpan().SequenceEqual(Certificate.RawData),
        };
        return new HttpClient(handler) { BaseAddress = TlsAddress };
    }

    /// <param name="notifyInstances">The Notifications instances; none: the route answers 503 (an upstream needs a server, so a closed port stands in).</param>
    /// <param name="upstreamHeader">Whether responses say which instance answered (X-Upstream), as the launcher's debug option does.</param>
    public static async Task<NginxGateway> StartAsync(
        IEnumerable<Uri> authInstances, IEnumerable<Uri> todoInstances, string rate = "1000r/s", int burst = 1000, IEnumerable<Uri>? notifyInstances = null,
        bool upstreamHeader = false)
    {
        var prefix = Directory.CreateTempSubdirectory("gateway-").FullName;
        Directory.CreateDirectory(Path.Combine(prefix, "tmp"));
        var port = FreePort();
        var tlsPort = FreePort();
        var certificate = await WriteCertificateAsync(prefix);
        static string Servers(IEnumerable<Uri> instances) =>
            string.Join('\n', instances.Select(i => $"        server 127.0.0.1:{i.Port} max_fails=1 fail_timeout=5s;"));
        var config = (await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "deploy", "nginx", "gateway.conf.template")))
            .Replace("{{PREFIX}}", prefix, StringComparison.Ordinal)
            .Replace("{{LISTEN}}", $"127.0.0.1:{port}", StringComparison.Ordinal)
            .Replace("{{TLS_LISTEN}}", $"127.0.0.1:{tlsPort}", StringComparison.Ordinal)
            .Replace("{{TLS_CERT}}", Path.Combine(prefix, "gateway.crt"), StringComparison.Ordinal)
            .Replace("{{TLS_KEY}}", Path.Combine(prefix, "gateway.key"), StringComparison.Ordinal)
            .Replace("{{UPSTREAM_HEADER}}", upstreamHeader ? "add_header X-Upstream $upstream_addr always;" : "", StringComparison.Ordinal)
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
        var gateway = new NginxGateway(prefix, nginx, port, tlsPort, certificate);
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

    /// <summary>A self-signed certificate for 127.0.0.1, as scripts/certs.sh makes one with openssl.</summary>
    private static async Task<X509Certificate2> WriteCertificateAsync(string prefix)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(prefix, "gateway.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(prefix, "gateway.key"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
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
