using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Messaging.Broker;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Data;

namespace Registration.Messaging;

public static class MessagingExtensions
{
    public static IHostApplicationBuilder AddRabbitMq(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<RabbitMqConnector>();
        builder.Services.TryAddSingleton<BrokerStatus>();
        builder.Services.TryAddSingleton<BrokerSupervisor>();
        builder.Services.AddHealthChecks().AddCheck<BrokerHealthCheck>("broker");
        return builder;
    }

    /// <summary>
    /// The outbox writer (AuthApi): rows written in the caller's transaction; the silos relay them. The outbox's
    /// schema (Registration.Messaging's migrations, with the retired membership table's creation and drop) is
    /// migrated by whichever starts first, AuthApi or a silo.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxWriter(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMigrations(typeof(OutboxStore).Assembly);
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OutboxWriter>();
        return builder;
    }

    /// <summary>
    /// The backlog (PENDING count, oldest age) of the outbox in <paramref name="database"/>, for the gauges and readiness
    /// of the relaying silo; call it once per outbox. One readiness check ("outbox") covers them all.
    /// </summary>
    public static IHostApplicationBuilder AddOutboxBacklog(this IHostApplicationBuilder builder, string outbox, Func<IServiceProvider, NpgsqlDataSource> database)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var backlog = new ServiceDescriptor(typeof(OutboxBacklog), outbox, (sp, _) =>
            new OutboxBacklog(outbox, database(sp), sp.GetRequiredService<ILogger<OutboxBacklog>>()), ServiceLifetime.Singleton);
        builder.Services.Add(backlog);
        builder.Services.AddSingleton(sp => sp.GetRequiredKeyedService<OutboxBacklog>(outbox));
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<OutboxBacklog>(outbox));
        if (!builder.Services.Any(s => s.ServiceType == typeof(OutboxLagHealthCheck)))
        {
            builder.Services.AddSingleton<OutboxLagHealthCheck>();
            builder.Services.AddHealthChecks().AddCheck<OutboxLagHealthCheck>("outbox");
        }

        return builder;
    }

    /// <summary>The consumer of <paramref name="queue"/> with its handler, unless Consumer:Enabled is false for this instance.</summary>
    public static IHostApplicationBuilder AddQueueConsumer<THandler, TMessage>(this IHostApplicationBuilder builder, QueueContract queue)
        where THandler : class, IMessageHandler<TMessage>
    {
        builder.AddRabbitMq();
        builder.AddRetentionWindows();
        builder.Services.AddSingleton<IMessageHandler<TMessage>, THandler>();
        if (builder.Configuration.GetValue($"{ConsumerOptions.Section}:{nameof(ConsumerOptions.Enabled)}", true))
        {
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<QueueConsumerWorker<TMessage>>(sp, queue));
        }

        return builder;
    }

    /// <summary>
    /// The consumer's settings with the retention windows checked against each other at start: Consumer:DedupWindow must
    /// be longer than Outbox:Retention + Consumer:MaxMessageAge (<see cref="RetentionWindowsValidator"/>). Every
    /// process that knows these settings calls it: TodoConsumer (which dead-letters expired events) and the silos (which
    /// judge an event's age against MaxMessageAge, and delete SENT outbox rows and old processed_events keys).
    /// </summary>
    public static IHostApplicationBuilder AddRetentionWindows(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConsumerOptions>, RetentionWindowsValidator>());
        builder.Services.TryAddSingleton<ConsumerMetrics>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
