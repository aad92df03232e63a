using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registration.Grains.Notifications;
using Registration.Grains.Outbox;
using Registration.Grains.Users;
using Registration.Messaging;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;

namespace Registration.Grains;

public static class GrainServicesExtensions
{
    /// <summary>
    /// What the grains need from their silo: the broker, the relay's step and its metrics, the epochs, the retention of SENT
    /// rows and dedup keys (with its windows checked at start); the todo database and its group commit. Call it before UseOrleans: the group commit then stops after the grains.
    /// </summary>
    public static IHostApplicationBuilder AddGrainServices(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMq();
        builder.AddOutboxBacklog();
        builder.AddRetentionWindows();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddSingleton<OutboxRetention>();
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddSingleton<OutboxEpochs>();
        builder.Services.AddSingleton<RelayBroker>();
        builder.AddKeyedDatabase(TodoDatabase.Name);
        builder.Services.AddSingleton<WelcomeTodoWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WelcomeTodoWriter>());
        builder.AddNotificationGrainServices();
        builder.Services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        return builder;
    }
}
