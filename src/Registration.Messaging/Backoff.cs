namespace Registration.Messaging;

/// <summary>Exponential backoff with full jitter, capped: attempt 1 waits up to <c>initial</c>, then doubles.</summary>
public static class Backoff
{
    public static TimeSpan Compute(int attempt, TimeSpan initial, TimeSpan max)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        // Half fixed, half random: never zero (no hot loop), and instances that failed together spread out.
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }
}
