using Notifications.Consuming;
using Notifications.Streaming;
using Registration.Messaging;
using Registration.Messaging.Broker;
using Registration.Messaging.Notifications;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace Notifications;

public static class Extensions
{
    /// <summary>How long a grain call of this service waits for its answer (Orleans:ResponseTimeout overrides it), as TodoConsumer's.</summary>
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(2);

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(Extensions).Assembly);
        builder.AddJwtAuthentication();
        builder.AddClusterConnection(responseTimeout: ResponseTimeout);
        builder.AddNotificationSettings();
        builder.Services.AddOptions<NotificationStreamOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddQueueConsumer<NotificationsRouter, NotificationMessage>(QueueContract.Notifications);
        return builder;
    }
}
