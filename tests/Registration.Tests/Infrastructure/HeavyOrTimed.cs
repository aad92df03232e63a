namespace Registration.Tests.Infrastructure;

/// <summary>
/// Tests that assert on timings (a killed silo's partitions resume within 10 s, logins take about the same time)
/// and the heaviest ones (the chaos run, the browser) run alone, after the others: on a 2-core machine, silos
/// starting for other tests beside a timing assertion measure the machine, not the system (registration's
/// hashing runs at the lowest priority and starves first).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyOrTimed
{
    public const string Name = "heavy or timed";
}
