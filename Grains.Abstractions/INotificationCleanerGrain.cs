namespace Registration.Grains;

/// <summary>
/// The cluster's one cleaner of notifications older than Notifications:Retention (one grain, key <see cref="Key"/>).
/// A reminder keeps it alive; the Notifications service calls <see cref="EnsureRunningAsync"/> to start it.
/// </summary>
[Alias("registration.notification-cleaner")]
public interface INotificationCleanerGrain : IGrainWithIntegerKey
{
    public const long Key = 0;

    [Alias("registration.notification-cleaner.ensure-running")]
    Task EnsureRunningAsync();
}
