using Registration.Contracts;
using Registration.Messaging;
using Registration.Messaging.Broker;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;
using TodoConsumer.Admin;
using TodoConsumer.Welcome;

namespace TodoConsumer;

public static class Extensions
{
    /// <summary>How long a grain call of this service waits for its answer (Orleans:ResponseTimeout overrides it).</summary>
    public static readonly TimeSpan ConsumerResponseTimeout = TimeSpan.FromSeconds(2);

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // The todo database: todos and dedup keys (this assembly's migrations), and the outbox of the task events
        // (Registration.Messaging's, the same tables as the auth database's), which the silos relay.
        builder.AddDatabase(typeof(Extensions).Assembly);
        builder.Services.AddMigrations(typeof(OutboxStore).Assembly);
        builder.AddJwtAuthentication();
        // Short: a batch whose call went to a silo that died or froze is back in the queue, and retried on the grain's new
        // activation, within about this long after the silo is declared dead; a user grain answers in milliseconds.
        builder.AddClusterConnection(responseTimeout: ConsumerResponseTimeout);
        builder.AddQueueConsumer<UserGrainRouter, UserMessage>(QueueContract.UserRegistered);
        builder.AddTodoAdmin();
        return builder;
    }
}
