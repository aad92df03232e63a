using Notifications.Consuming;
using Notifications.Streaming;
using Registration.Messaging;
using Registration.Messaging.Broker;
using Registration.Messaging.Notifications;
using Registration.Messaging.Outbox;
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
        // The notify database: notifications (this assembly's migrations), and the outbox of the replies to the account
        // deletion saga (Registration.Messaging's, the same tables as the auth database's), which the silos relay.
        builder.AddDatabase(typeof(Extensions).Assembly);
        builder.Services.AddMigrations(typeof(OutboxStore).Assembly);
        builder.AddJwtAuthentication();
        builder.AddClusterConnection(responseTimeout: ResponseTimeout);
        builder.AddNotificationSettings();
        builder.Services.AddOptions<NotificationStreamOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.AddQueueConsumer<NotificationsRouter, NotificationMessage>(QueueContract.Notifications);
        return builder;
    }
}
