namespace Registration.Messaging;

internal static class Pause
{
    /// <summary>Waits, returning early (without throwing) when the worker is stopping.</summary>
    public static Task ForAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        Task.Delay(delay, cancellationToken).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
}
