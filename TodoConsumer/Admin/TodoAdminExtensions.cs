using Microsoft.Extensions.DependencyInjection.Extensions;
using Registration.ServiceDefaults.Admin;
using TodoConsumer.DeadLetters;

namespace TodoConsumer.Admin;

/// <summary>The admin read model of the consumer and the dead-letter endpoints.</summary>
public static class TodoAdminExtensions
{
    public static IHostApplicationBuilder AddTodoAdmin(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new InstanceIdentity("todo-consumer"));
        builder.Services.AddSingleton<ConsumerOutcomeCounters>();
        builder.Services.AddOptions<DeadLetterOptions>().BindConfiguration(DeadLetterOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DeadLetterBroker>();
        builder.Services.AddSingleton<DeadLetterQueue>();
        return builder;
    }

    public static WebApplication MapTodoAdminApi(this WebApplication app)
    {
        // Created now, before the consumer starts, so that it counts every message this instance settles.
        app.Services.GetRequiredService<ConsumerOutcomeCounters>();
        app.MapConsumerAdminApi();
        app.MapDeadLetterApi();
        return app;
    }
}
