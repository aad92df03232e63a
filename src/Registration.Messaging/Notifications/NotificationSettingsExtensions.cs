using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Registration.Messaging.Notifications;

public static class NotificationSettingsExtensions
{
    /// <summary>
    /// The notification settings with the retention checked at start against Outbox:Retention + Consumer:MaxMessageAge
    /// (<see cref="NotificationRetentionValidator"/>): the silos (which decide and delete) and the Notifications instances.
    /// </summary>
    public static IHostApplicationBuilder AddNotificationSettings(this IHostApplicationBuilder builder)
    {
        builder.AddRetentionWindows();
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NotificationOptions>, NotificationRetentionValidator>());
        return builder;
    }
}
