using System.Globalization;

namespace Registration.Bench.Infrastructure;

/// <summary>
/// Who used the CPU during a measured window, from /proc: the services, the harness, the PostgreSQL backends
/// of this run's databases, RabbitMQ (shared with every user of the broker), PostgreSQL's shared processes,
/// and everything else (other users of the machine, e.g. a test suite running at the same time).
/// </summary>
internal sealed class CpuAccounting
{
    private readonly Dictionary<int, (string Owner, TimeSpan Cpu)> _start;
    private readonly Func<int, string, string> _classify;
    private readonly (TimeSpan Busy, TimeSpan Steal) _machineStart = ProcStats.MachineTimes();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    private CpuAccounting(Func<int, string, string> classify)
    {
        _classify = classify;
        _start = Snapshot(classify);
    }

    /// <param name="services">Service processes by the name to report them under.</param>
    public static CpuAccounting Start(Sandbox sandbox, IReadOnlyDictionary<string, int> services)
    {
        var harness = Environment.ProcessId;
        return new CpuAccounting((pid, cmdline) =>
        {
            if (pid == harness)
            {
                return "harness";
            }

            foreach (var (name, servicePid) in services)
            {
                if (pid == servicePid)
                {
                    return name;
                }
            }

            if (cmdline.StartsWith("postgres: ", StringComparison.Ordinal))
            {
                // This run's databases all carry its id: bench_auth_ID, bench_todo_ID, and the peers' bench_peer_KEY_ID.
                return cmdline.Contains($"_{sandbox.Id} ", StringComparison.Ordinal)
                    ? "PostgreSQL (this run's backends)"
                    : cmdline.Contains(" 127.0.0.1(", StringComparison.Ordinal) ? "other users" : "PostgreSQL (shared: WAL writer, checkpointer)";
            }

            return cmdline.Contains("beam.smp", StringComparison.Ordinal) ? "RabbitMQ (shared)" : "other users";
        });
    }

    /// <summary>Each owner's share of all cores since the start, in percent, plus the machine's total busy share.</summary>
    public IReadOnlyDictionary<string, double> SharesPercent()
    {
        var seconds = _clock.Elapsed.TotalSeconds * Environment.ProcessorCount;
        var end = Snapshot(_classify);
        var used = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (pid, (owner, cpu)) in end)
        {
            var before = _start.TryGetValue(pid, out var start) && start.Owner == owner ? start.Cpu : TimeSpan.Zero;
            used[owner] = used.GetValueOrDefault(owner) + (cpu - before).TotalSeconds;
        }

        var shares = used.ToDictionary(pair => pair.Key, pair => 100 * pair.Value / seconds, StringComparer.Ordinal);
        var machine = ProcStats.MachineTimes();
        var busy = 100 * (machine.Busy - _machineStart.Busy).TotalSeconds / seconds;
        shares["machine busy, all processes"] = busy;
        shares["unattributed (interrupts, processes that ended)"] = busy - shares.Where(s => s.Key != "machine busy, all processes").Sum(s => s.Value);
        shares["stolen by the host for other VMs"] = 100 * (machine.Steal - _machineStart.Steal).TotalSeconds / seconds;
        return shares;
    }

    /// <summary>Adds the shares to <paramref name="m"/> as "CPU {phase}: {owner} (% of all cores)".</summary>
    public void Record(Reporting.Measurements m, string phase)
    {
        foreach (var (owner, share) in SharesPercent())
        {
            m[$"CPU {phase}: {owner} (% of all cores)"] = share;
        }
    }

    private static Dictionary<int, (string Owner, TimeSpan Cpu)> Snapshot(Func<int, string, string> classify)
    {
        var snapshot = new Dictionary<int, (string, TimeSpan)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText($"{directory}/cmdline").Replace('\0', ' ');
                snapshot[pid] = (cmdline.Length == 0 ? "kernel threads" : classify(pid, cmdline), ProcStats.CpuTime(pid));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while being read.
            }
        }

        return snapshot;
    }
}
