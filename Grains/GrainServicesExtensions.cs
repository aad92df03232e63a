using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Registration.Grains.Accounts;
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
    /// What the grains need from their silo: the broker, the outboxes they relay (the auth, todo and notify databases') with
    /// the relays' metrics, the retention of dedup keys (with its windows checked at start) and of expired refresh tokens;
    /// the todo database and its group commit; the account deletion saga's store and settings. Call it before UseOrleans:
    /// the group commit then stops after the grains.
    /// </summary>
    public static IHostApplicationBuilder AddGrainServices(this IHostApplicationBuilder builder)
    {
        builder.AddRabbitMq();
        builder.AddRetentionWindows();
        builder.AddKeyedDatabase(TodoDatabase.Name);
        builder.AddRelayedOutbox(Outboxes.Auth, sp => sp.GetRequiredService<NpgsqlDataSource>());
        builder.AddRelayedOutbox(Outboxes.Todo, sp => sp.GetRequiredKeyedService<NpgsqlDataSource>(TodoDatabase.Name));
        builder.AddRelayedOutbox(Outboxes.Notify, sp => sp.GetRequiredKeyedService<NpgsqlDataSource>(NotifyDatabase.Name));
        builder.Services.AddSingleton<OutboxMetrics>();
        builder.Services.AddSingleton<RelayBroker>();
        builder.Services.AddSingleton<WelcomeTodoWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WelcomeTodoWriter>());
        builder.AddNotificationGrainServices();
        builder.Services.AddOptions<AccountOptions>().BindConfiguration(AccountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OutboxWriter>();
        builder.Services.AddSingleton<AccountDeletionStore>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<RefreshTokenCleanupOptions>().BindConfiguration(RefreshTokenCleanupOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddPlacementDirector<PartitionPlacement, PartitionPlacementDirector>();
        return builder;
    }

    private static void AddRelayedOutbox(this IHostApplicationBuilder builder, string outbox, Func<IServiceProvider, NpgsqlDataSource> database)
    {
        builder.AddOutboxBacklog(outbox, database);
        builder.Services.AddKeyedSingleton(outbox, (sp, _) =>
            new RelayedOutbox(outbox, database(sp), sp.GetRequiredService<IOptions<OutboxOptions>>(), sp.GetRequiredService<ILoggerFactory>()));
    }
}
