using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Scenarios;

/// <summary>
/// Diagnostic: one scenario measured with several service settings back to back in each run (the order
/// rotates from run to run), so that a proposed change is compared with the shipped settings under the
/// same conditions of a shared machine. Each variant gets its own sandbox and service processes.
/// </summary>
internal sealed class VariantsScenario(string key, string title, IScenario inner, string metric, IReadOnlyList<Variant> variants) : IScenario
{
    public string Key => key;

    public string Title => title;

    public string Description =>
        $"{inner.Title}, measured once per variant in every run (order rotating): {string.Join("; ", variants.Select(Describe))}.";

    public IReadOnlyList<FigureSpec> Figures { get; } = BuildFigures(inner, metric, variants);

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        var order = variants.Skip((run - 1) % variants.Count).Concat(variants.Take((run - 1) % variants.Count));
        foreach (var variant in order)
        {
            await QuietGate.WaitAsync(context.Options.QuietWait, cancellationToken);
            Progress.Say($"  variant: {variant.Name}");
            var variantContext = new BenchContext(context.Settings, context.Admin, context.Options.With(variant));
            await using var own = await Sandbox.CreateAsync(context.Settings, context.Admin, cancellationToken);
            var measured = await inner.RunOnceAsync(variantContext, own, run, cancellationToken);
            foreach (var (name, value) in measured.Values)
            {
                m[$"{variant.Key}.{name}"] = value;
            }
        }

        return m;
    }

    private static IReadOnlyList<FigureSpec> BuildFigures(IScenario inner, string metric, IReadOnlyList<Variant> variants)
    {
        var spec = inner.Figures.Single(f => f.Id == metric);
        var figures = new List<FigureSpec>();
        foreach (var variant in variants)
        {
            figures.Add(spec with
            {
                Id = $"{variant.Key}.{spec.Id}",
                Label = $"{spec.Label}, {variant.Name}",
                BaselineId = spec.BaselineId is null ? null : $"{variant.Key}.{spec.BaselineId}",
            });
            if (variant != Variant.Shipped)
            {
                figures.Add(new FigureSpec($"{variant.Key}.{spec.Id}", $"{spec.Label}, {variant.Name} vs as shipped", spec.Unit,
                    $"{Variant.Shipped.Key}.{spec.Id}", "as shipped, same run", "(diagnostic)", null, spec.Decimals));
            }
        }

        return figures;
    }

    private static string Describe(Variant variant)
    {
        var settings = variant.AuthEnvironment.Select(s => $"AuthApi {s.Key}={s.Value}")
            .Concat(variant.TodoEnvironment.Select(s => $"TodoConsumer {s.Key}={s.Value}"))
            .Concat(variant.AuthDatabaseOptions is null ? [] : [$"AuthApi PostgreSQL options '{variant.AuthDatabaseOptions}'"]);
        return $"{variant.Name}{(settings.Any() ? $" ({string.Join(", ", settings)})" : "")}";
    }
}
