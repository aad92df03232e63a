using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Registration.Messaging.Broker;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;

namespace Registration.Messaging;

public static class MessagingExtensions
{
    public static IHostApplicationBuilder AddRabbitMq(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<RabbitMqConnector>();
        builder.Services.TryAddSingleton<BrokerStatus>();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker");
        return builder;
    }

    /// <summary>The outbox relay, unless Outbox:RelayEnabled is false for this instance.</summary>
    public static IHostApplicationBuilder AddOutboxRelay(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMq();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddSingleton<OutboxSignal>();
        if (builder.Configuration.GetValue($"{OutboxOptions.Section}:{nameof(OutboxOptions.RelayEnabled)}", true))
        {
            builder.Services.AddHostedService<OutboxRelayWorker>();
        }

        return builder;
    }

    /// <summary>The queue consumer with its handler, unless Consumer:Enabled is false for this instance.</summary>
    public static IHostApplicationBuilder AddQueueConsumer<THandler>(this IHostApplicationBuilder builder)
        where THandler : class, IMessageHandler
    {
        builder.AddRabbitMq();
        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IMessageHandler, THandler>();
        builder.Services.AddSingleton<ConsumerMetrics>();
        if (builder.Configuration.GetValue($"{ConsumerOptions.Section}:{nameof(ConsumerOptions.Enabled)}", true))
        {
            builder.Services.AddHostedService<QueueConsumerWorker>();
        }

        return builder;
    }
}
