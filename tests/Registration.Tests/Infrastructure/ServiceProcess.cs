using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// A silo, a TodoConsumer or a Notifications instance as its own process (the built Silo.dll, TodoConsumer.dll or Notifications.dll), so a test can really kill it
/// (SIGKILL), freeze it (SIGSTOP) or stop it (SIGTERM).
/// Its settings arrive as environment variables; what it writes is kept for assertions and failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int SignalTerminate = 15;
    private const int SignalContinue = 18;
    private const int SignalStop = 19;
    private const int FirstPort = 21000;
    private const int PortRange = 9000;
    private static int _nextPort = Random.Shared.Next(PortRange);
    private readonly Process _process;
    private readonly string _name;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, string name, Uri address, int siloPort)
    {
        _process = process;
        _name = name;
        Address = address;
        SiloPort = siloPort;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    /// <summary>The silo's port in its cluster (0 for a TodoConsumer).</summary>
    public int SiloPort { get; }

    /// <summary>How Orleans names this silo (its address as <c>SiloAddress.ToString()</c> starts).</summary>
    public string SiloEndpoint => $"S127.0.0.1:{SiloPort}:";

    public bool IsRunning => !_process.HasExited;

    public IReadOnlyCollection<string> Output => _output;

    public static ServiceProcess StartSilo(IReadOnlyDictionary<string, string?> settings)
    {
        var (silo, gateway) = (FreePort(), FreePort());
        return Start("Silo", "silo", settings, new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = silo.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, silo);
    }

    public static ServiceProcess StartTodoConsumer(IReadOnlyDictionary<string, string?> settings) =>
        Start("TodoConsumer", "todo consumer", settings, new Dictionary<string, string?>(), siloPort: 0);

    public static ServiceProcess StartNotifications(IReadOnlyDictionary<string, string?> settings) =>
        Start("Notifications", "notification service", settings, new Dictionary<string, string?>(), siloPort: 0);

    private static ServiceProcess Start(
        string project, string name, IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?> ports, int siloPort)
    {
        var http = FreePort();
        var directory = BuildDirectory(project);
        var start = new ProcessStartInfo("dotnet", Path.Combine(directory, $"{project}.dll"))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in settings.Concat(ports))
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        start.Environment["Urls"] = $"http://127.0.0.1:{http}";
        return new ServiceProcess(Process.Start(start)!, name, new Uri($"http://127.0.0.1:{http}"), siloPort);
    }

    /// <summary>Waits until its readiness answers 200 (a silo: an active member of its cluster).</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                if (_process.HasExited)
                {
                    _process.WaitForExit(); // until its output is read to the end
                    throw new InvalidOperationException($"The {_name} exited with code {_process.ExitCode}:\n{string.Join('\n', _output.TakeLast(30))}");
                }

                try
                {
                    return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            }, $"the {_name} to report ready", timeout ?? TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\nLast output:\n{string.Join('\n', _output.TakeLast(30))}", ex);
        }
    }

    /// <summary>SIGKILL: no goodbye to the cluster, no deactivation, connections dropped by the kernel.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP: the process freezes as it is (a long GC, a paused VM), its connections open, until <see cref="Thaw"/>.</summary>
    public void Freeze() => Signal(SignalStop);

    /// <summary>SIGCONT: a frozen process runs on from where it stopped.</summary>
    public void Thaw() => Signal(SignalContinue);

    /// <summary>Waits until the process has exited by itself (e.g. a silo that learnt it was declared dead).</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, string because)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The {_name} did not exit within {timeout.TotalSeconds:0} s ({because}).\nLast output:\n{string.Join('\n', _output.TakeLast(30))}");
        }
    }

    /// <summary>SIGTERM: a graceful stop (a silo leaves the cluster and deactivates its grains).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, SignalTerminate);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Thaw(); // a frozen process cannot stop gracefully
        }

        try
        {
            await StopAsync();
        }
        catch (TimeoutException)
        {
            Kill();
        }

        _process.Dispose();
    }

    private static string BuildDirectory(string project)
    {
        // The tests run from tests/Registration.Tests/bin/<Configuration>/<tfm>; the services are built to <Project>/bin/<Configuration>/<tfm>.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory);
        var (tfm, configuration) = (testBin.Name, testBin.Parent!.Name);
        var root = testBin;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Registration.sln")))
        {
            root = root.Parent;
        }

        var directory = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Registration.sln not found above the test binaries"), project, "bin", configuration, tfm);
        return File.Exists(Path.Combine(directory, $"{project}.dll"))
            ? directory
            : throw new InvalidOperationException($"{project} is not built at {directory}: build Registration.sln first.");
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    /// <summary>
    /// A free loopback port below Linux's ephemeral range (32768 and up), taken in turn from a random start: a port the
    /// kernel handed out (bind to 0) can be taken again by any outgoing connection before the service binds it.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < PortRange; attempt++)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref _nextPort) % PortRange);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException($"No free loopback port in {FirstPort}..{FirstPort + PortRange - 1}.");
    }

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
