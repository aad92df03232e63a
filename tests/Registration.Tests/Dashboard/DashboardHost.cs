using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>The dashboard on Kestrel at a loopback port, reading the given service instances, this test's virtual host and its cluster.</summary>
public sealed class DashboardHost : WebApplicationFactory<global::Dashboard.Program>
{
    private readonly Dictionary<string, string?> _settings;

    private DashboardHost(Dictionary<string, string?> settings) => _settings = settings;

    public Uri Address { get; private set; } = null!;

    private LogCapture Logs { get; } = new();

    public static DashboardHost Start(
        TestSystem system, IEnumerable<Uri> authApis, IEnumerable<Uri> todoServices, string adminKey = TestAdmin.Key, (string Key, string? Value)[]? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Admin:ApiKey"] = adminKey,
            ["Metrics:Password"] = TestAdmin.MetricsPassword,
            ["Dashboard:RabbitMqManagementUrl"] = $"http://{TestSettings.RabbitHost}:{TestSettings.RabbitManagementPort}",
            ["Dashboard:RabbitMqUser"] = TestSettings.RabbitUser,
            ["Dashboard:RabbitMqPassword"] = TestSettings.RabbitPassword,
            ["Dashboard:RabbitMqVirtualHost"] = system.VirtualHost,
            ["Dashboard:RefreshSeconds"] = "1",
            ["ConnectionStrings:Redis"] = TestSettings.Redis, // the Orleans dashboard's client of the system's cluster
            ["Orleans:ClusterId"] = system.ClusterId,
            ["Orleans:ServiceId"] = system.ClusterId,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (url, i) in authApis.Select((u, i) => (u, i)))
        {
            settings[$"Dashboard:AuthApiUrls:{i}"] = url.ToString();
        }

        foreach (var (url, i) in todoServices.Select((u, i) => (u, i)))
        {
            settings[$"Dashboard:TodoConsumerUrls:{i}"] = url.ToString();
        }

        foreach (var (key, value) in overrides ?? [])
        {
            settings[key] = value;
        }

        var host = new DashboardHost(settings);
        host.UseKestrel(0);
        try
        {
            host.Logs.Start(host.StartServer);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        var addresses = host.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
        host.Address = new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        return host;
    }

    /// <summary>A client of the real (Kestrel) dashboard, logged in as admin with <paramref name="password"/> (default: the admin key).</summary>
    public HttpClient Client(string? password = TestAdmin.Key)
    {
        var http = new HttpClient { BaseAddress = Address };
        if (password is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{password}")));
        }

        return http;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
