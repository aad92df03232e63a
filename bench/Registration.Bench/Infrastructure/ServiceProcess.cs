using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Registration.Bench.Infrastructure;

/// <summary>
/// A service (AuthApi or TodoConsumer) run as its own process from its Release build, configured by
/// environment variables as in production, so its memory and CPU can be read from /proc.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process _process;

    private ServiceProcess(string name, Process process, Uri baseAddress, string logPath)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>Idle resident set size once ready, before any load, in MiB.</summary>
    public double ReadyRssMiB { get; private set; }

    public TimeSpan CpuTime => ProcStats.CpuTime(Pid);

    public double PeakRssMiB => ProcStats.PeakRssMiB(Pid);

    /// <param name="project">AuthApi or TodoConsumer.</param>
    /// <param name="readyWhen">Text the readiness body must contain, e.g. a worker reporting "connected".</param>
    public static Task<ServiceProcess> StartAsync(
        BenchSettings settings, string project, string name, IReadOnlyDictionary<string, string> environment, string readyWhen, CancellationToken cancellationToken) =>
        StartDllAsync(settings, settings.ServiceDll(project), name, environment, "/health/ready", readyWhen, cancellationToken);

    /// <summary>Any web app's Release build as a process, ready once <paramref name="readinessPath"/> answers 200 with <paramref name="readyWhen"/> in its body.</summary>
    public static async Task<ServiceProcess> StartDllAsync(
        BenchSettings settings, string dll, string name, IReadOnlyDictionary<string, string> environment, string readinessPath, string readyWhen, CancellationToken cancellationToken)
    {
        var project = Path.GetFileNameWithoutExtension(dll);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution in Release first (scripts/bench.sh does).");
        }

        Directory.CreateDirectory(settings.LogDirectory);
        var logPath = Path.Combine(settings.LogDirectory, $"{name}.log");
        var port = FreePort();
        // exec: the shell becomes the service, so the pid is the service's own and its output goes to the log
        // file directly (the harness does not spend CPU pumping it).
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = Path.GetDirectoryName(dll)!, UseShellExecute = false };
        foreach (var argument in new[] { "-c", "exec dotnet \"$0\" >\"$1\" 2>&1", dll, logPath })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["Jwt__SigningKey"] = BenchSettings.JwtSigningKey;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {project}");
        var service = new ServiceProcess(name, process, new Uri($"http://127.0.0.1:{port}"), logPath);
        try
        {
            await service.WaitReadyAsync(readinessPath, readyWhen, TimeSpan.FromSeconds(90), cancellationToken);
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }

        service.ReadyRssMiB = ProcStats.RssMiB(service.Pid);
        return service;
    }

    private async Task WaitReadyAsync(string readinessPath, string readyWhen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var last = "no answer";
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} during start-up; see {LogPath}");
            }

            try
            {
                using var response = await Probe.GetAsync(new Uri(BaseAddress, readinessPath), cancellationToken);
                last = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK && last.Contains(readyWhen, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = ex.Message;
            }

            await Task.Delay(100, cancellationToken);
        }

        throw new TimeoutException($"{Name} not ready with '{readyWhen}' within {timeout.TotalSeconds:0} s; last readiness answer: {last}; see {LogPath}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL at once (kill -9), as a crash: the process gets no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>SIGSTOP: the process freezes as it is (a long GC, a paused VM), its connections open.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT: a frozen process runs on.</summary>
    public Task ThawAsync() => SignalAsync("-CONT");

    /// <summary>SIGTERM, then SIGKILL if it has not stopped after a few seconds.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await ThawAsync(); // a frozen process cannot stop
            await SignalAsync("-TERM");

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        if (kill is not null)
        {
            await kill.WaitForExitAsync();
        }
    }
}
