using Orleans.Concurrency;
using Registration.Contracts;

namespace Registration.Grains;

/// <summary>
/// An open notification stream of a user, in whichever client process holds it. One-way: the grain never waits for a
/// client, so a slow or dead one cannot hold it; a missed call is made up for from the database (the stream's cursor).
/// </summary>
[Alias("registration.notification-observer")]
public interface INotificationObserver : IGrainObserver
{
    [OneWay]
    [Alias("registration.notification-observer.notification-added")]
    Task OnNotificationAdded(Notification notification);
}
