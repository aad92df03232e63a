using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registration.Messaging.Notifications;
using Registration.ServiceDefaults.Data;

namespace Registration.Grains.Notifications;

public static class NotificationServicesExtensions
{
    /// <summary>The notifications grains' silo services: the notify database (ConnectionStrings:NotifyDatabase), its group commit, the settings.</summary>
    public static IHostApplicationBuilder AddNotificationGrainServices(this IHostApplicationBuilder builder)
    {
        builder.AddNotificationSettings();
        builder.AddKeyedDatabase(NotifyDatabase.Name);
        builder.Services.AddSingleton<NotificationWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationWriter>());
        return builder;
    }
}
