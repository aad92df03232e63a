namespace Registration.Grains;

/// <summary>
/// The cluster's one cleaner of notifications older than Notifications:Retention (one grain, key <see cref="Key"/>).
/// A reminder keeps it alive; every silo calls <see cref="EnsureRunningAsync"/> once at start.
/// </summary>
[Alias("registration.notification-cleaner")]
public interface INotificationCleanerGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    [Alias("registration.notification-cleaner.ensure-running")]
    Task EnsureRunningAsync();
}
