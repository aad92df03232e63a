using System.Diagnostics;
using System.Globalization;

namespace Registration.Bench.Infrastructure;

/// <summary>CPU time and memory of a process, and busy time of the whole machine, read from /proc (Linux).</summary>
internal static class ProcStats
{
    private static readonly double TicksPerSecond = ReadClockTicks();

    /// <summary>User + system CPU time the process has used so far.</summary>
    public static TimeSpan CpuTime(int pid) => ParseCpuTime(File.ReadAllText($"/proc/{pid}/stat"));

    /// <summary>User + system CPU time of one thread, given its /proc/PID/task/TID directory.</summary>
    public static TimeSpan ThreadCpuTime(string taskDirectory) => ParseCpuTime(File.ReadAllText(Path.Combine(taskDirectory, "stat")));

    /// <summary>
    /// CPU time so far of the process's threads with the given name (Linux keeps the first 15 characters);
    /// threads that have ended are not counted.
    /// </summary>
    public static TimeSpan ThreadsCpuTime(int pid, string threadName)
    {
        var total = TimeSpan.Zero;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == threadName)
                {
                    total += ThreadCpuTime(task);
                }
            }
            catch (IOException)
            {
                // The thread ended while it was being read.
            }
        }

        return total;
    }

    private static TimeSpan ParseCpuTime(string stat)
    {
        // Fields after the command name (which may contain spaces) start at field 3; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>Peak resident set size since the process started (VmHWM), in MiB.</summary>
    public static double PeakRssMiB(int pid) => StatusKiB(pid, "VmHWM") / 1024.0;

    /// <summary>Current resident set size (VmRSS), in MiB.</summary>
    public static double RssMiB(int pid) => StatusKiB(pid, "VmRSS") / 1024.0;

    public static TimeSpan OwnCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    /// <summary>Busy CPU time of the whole machine (user, nice, system, irq, softirq), all cores summed.</summary>
    public static TimeSpan MachineBusyTime() => MachineTimes().Busy;

    /// <summary>
    /// Busy CPU time of the whole machine, and steal time: time this virtual machine was ready to run but
    /// the host ran something else (other virtual machines).
    /// </summary>
    public static (TimeSpan Busy, TimeSpan Steal) MachineTimes()
    {
        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = cpu.Skip(1).Take(8).Select(value => long.Parse(value, CultureInfo.InvariantCulture)).ToArray();
        var busy = values[0] + values[1] + values[2] + values[5] + values[6];
        return (TimeSpan.FromSeconds(busy / TicksPerSecond), TimeSpan.FromSeconds(values[7] / TicksPerSecond));
    }

    public static double MemoryTotalMiB() =>
        ParseKiB(File.ReadLines("/proc/meminfo").First(line => line.StartsWith("MemTotal:", StringComparison.Ordinal))) / 1024.0;

    public static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

    private static long StatusKiB(int pid, string key) =>
        ParseKiB(File.ReadLines($"/proc/{pid}/status").First(line => line.StartsWith(key + ":", StringComparison.Ordinal)));

    private static long ParseKiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static double ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true })!;
            var output = getconf.StandardOutput.ReadToEnd();
            getconf.WaitForExit();
            return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100;
        }
    }
}
