namespace Registration.Tests.Infrastructure;

/// <summary>
/// Tests that assert on timings (lease takeover within the TTL) and the heaviest ones (the chaos run, the
/// browser) never run at the same time: on a 2-core machine a browser and 2,000 chaos events beside a
/// timing assertion measure the machine, not the system.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyOrTimed
{
    public const string Name = "heavy or timed";
}
