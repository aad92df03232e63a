namespace Registration.Grains;

/// <summary>
/// The cluster's one cleaner of expired refresh tokens in the auth database (one grain, key <see cref="Key"/>).
/// A reminder keeps it alive; every silo calls <see cref="EnsureRunningAsync"/> once at start.
/// </summary>
[Alias("registration.refresh-token-cleaner")]
public interface IRefreshTokenCleanerGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    [Alias("registration.refresh-token-cleaner.ensure-running")]
    Task EnsureRunningAsync();
}
