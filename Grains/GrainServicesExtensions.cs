using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Registration.Grains.Outbox;
using Registration.Messaging;
using Registration.Messaging.Outbox;

namespace Registration.Grains;

public static class GrainServicesExtensions
{
    /// <summary>What the grains need from their silo: the broker, the relay's step and its metrics, the epochs.</summary>
    public static IHostApplicationBuilder AddGrainServices(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMq();
        builder.AddOutboxBacklog();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddSingleton<OutboxEpochs>();
        builder.Services.AddSingleton<RelayBroker>();
        builder.Services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        return builder;
    }
}
