using Npgsql;
using Wolverine;
using Wolverine.Postgresql;
using Wolverine.RabbitMQ;
using Wolverine.RabbitMQ.Internal;

namespace WolverinePeer;

/// <summary>Wolverine as its documentation sets it up for a durable outbox and inbox on PostgreSQL over RabbitMQ.</summary>
public static class PeerSetup
{
    /// <summary>Unacknowledged deliveries per consumer, as TodoConsumer's <c>Consumer:Prefetch</c>.</summary>
    public const ushort Prefetch = 1000;

    /// <summary>
    /// Outbox envelopes left unsent (the broker was down) are sent again by Wolverine's durability agent, this many a
    /// pass, one pass every <see cref="RecoveryPollingTime"/>. Wolverine's defaults (100 every 5 s) took over 8 minutes
    /// for a 10,000-event backlog; these are ours (the silo's <c>Outbox:BatchSize</c> and <c>Outbox:PollInterval</c>).
    /// </summary>
    public const int RecoveryBatchSize = 2000;

    public static readonly TimeSpan RecoveryPollingTime = TimeSpan.FromMilliseconds(500);

    /// <summary>Messages handled at once (each in its own transaction; Wolverine has no batched durable handler).</summary>
    public const int Parallelism = 16;

    public static void AddPeer(this WebApplicationBuilder builder)
    {
        var options = PeerOptions.From(builder.Configuration);
        var db = NpgsqlDataSource.Create(options.ConnectionString);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton<PeerReadiness>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PeerReadiness>());

        builder.Host.UseWolverine(wolverine => Configure(wolverine, options, db));
    }

    private static void Configure(WolverineOptions wolverine, PeerOptions options, NpgsqlDataSource db)
    {
        wolverine.ServiceName = $"wolverine-peer-{options.Role.ToString().ToLowerInvariant()}";
        // One process per envelope store (see PeerOptions.EnvelopeSchema): no leader election among nodes is needed.
        wolverine.Durability.Mode = DurabilityMode.Solo;
        wolverine.Durability.RecoveryBatchSize = RecoveryBatchSize;
        wolverine.Durability.ScheduledJobPollingTime = RecoveryPollingTime;
        wolverine.PersistMessagesWithPostgresql(db, options.EnvelopeSchema);
        wolverine.Policies.UseDurableOutboxOnAllSendingEndpoints();
        wolverine.Policies.UseDurableInboxOnAllListeners();
        wolverine.Discovery.DisableConventionalDiscovery();

        var rabbit = wolverine.UseRabbitMq(options.RabbitUri).AutoProvision();
        rabbit.DeclareQueue(PeerSchema.QueueName, queue => queue.QueueType = QueueType.quorum);
        if (options.Produces)
        {
            wolverine.PublishMessage<UserRegistered>().ToRabbitQueue(PeerSchema.QueueName, queue => queue.QueueType = QueueType.quorum);
        }

        if (options.Consumes)
        {
            wolverine.Discovery.IncludeType(typeof(WelcomeTodoHandler));
            wolverine.ListenToRabbitQueue(PeerSchema.QueueName, queue => queue.QueueType = QueueType.quorum)
                .PreFetchCount(Prefetch)
                .MaximumParallelMessages(Parallelism);
        }
    }
}
