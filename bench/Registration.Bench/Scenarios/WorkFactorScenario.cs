using AuthApi.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;
using Registration.Bench.Workload;

namespace Registration.Bench.Scenarios;

/// <summary>
/// D4. What one password hash costs at each BCrypt work factor from OWASP's minimum up, against the PBKDF2 hash
/// AuthApi wrote before BCrypt: the measurement `PasswordHashing:WorkFactor`'s default was chosen from.
/// </summary>
internal sealed class WorkFactorScenario : IScenario
{
    private const string Pbkdf2Id = "hash.pbkdf2";
    private static readonly int[] WorkFactors = [10, 11, 12, 13];
    private static readonly object User = new();

    public string Key => "work-factor";

    public string Title => "D4. Password hash cost by BCrypt work factor";

    public string Description =>
        "CPU time of one hash on one harness thread (its own CPU time from /proc, after 2 hashes of warm-up), with AuthApi's hasher " +
        "(BCrypt, SHA-384 pre-hash) at each work factor, 8 hashes at 10 and half as many per step up (at least 2). Baseline: ASP.NET Core " +
        "Identity's PBKDF2-HMAC-SHA512 at 100,000 iterations, the hash AuthApi wrote before BCrypt, 8 hashes, measured right before. " +
        "The ceiling of registrations is cores / that time.";

    public IReadOnlyList<FigureSpec> Figures { get; } = WorkFactors
        .Select(workFactor => new FigureSpec(
            $"hash.wf{workFactor}", $"CPU time of one BCrypt hash at work factor {workFactor}", "ms", Pbkdf2Id,
            "PBKDF2, 100,000 iterations (the hash before BCrypt)", "(none)", null, 1))
        .ToList();

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var pbkdf2 = new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = 100_000,
        }));
        m[Pbkdf2Id] = (await HashCost.MeasureAsync(password => pbkdf2.HashPassword(User, password), 8, cancellationToken)).CpuMs;
        foreach (var workFactor in WorkFactors)
        {
            Progress.Say($"  work factor {workFactor}");
            var (cpuMs, wallMs) = await HashCost.MeasureAsync(new PasswordHasher(workFactor).Hash, Math.Max(2, 8 >> (workFactor - 10)), cancellationToken);
            m[$"hash.wf{workFactor}"] = cpuMs;
            m[$"Work factor {workFactor}: wall time of one hash (ms, median)"] = wallMs;
            m[$"Work factor {workFactor}: ceiling, cores / CPU time of one hash (registrations/s)"] = Environment.ProcessorCount * 1000 / cpuMs;
        }

        return m;
    }
}
