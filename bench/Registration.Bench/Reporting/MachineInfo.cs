using System.Runtime.InteropServices;
using Registration.Bench.Infrastructure;

namespace Registration.Bench.Reporting;

internal sealed record MachineInfo(int Cores, string CpuModel, double MemoryGiB, string Os, string Kernel, string DotNet, string LoadAverageAtStart)
{
    /// <summary>Other virtual hosts on the broker and other databases on the server when the run started.</summary>
    public string Neighbours { get; init; } = "unknown";

    public static MachineInfo Read() => new(
        Environment.ProcessorCount,
        ProcStats.CpuModel(),
        Math.Round(ProcStats.MemoryTotalMiB() / 1024, 1),
        OsName(),
        File.Exists("/proc/sys/kernel/osrelease") ? $"Linux {File.ReadAllText("/proc/sys/kernel/osrelease").Trim()}" : RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown");

    private static string OsName() =>
        File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(line => line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?["PRETTY_NAME=".Length..].Trim('"') ?? "Linux"
            : RuntimeInformation.OSDescription;
}
