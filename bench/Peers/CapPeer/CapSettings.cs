using CapPeer.Transport;
using DotNetCore.CAP;
using Npgsql;

namespace CapPeer;

/// <summary>
/// CAP's settings for the benchmark (the README says why each one). Any <see cref="CapOptions"/> property can be
/// overridden from the <c>Cap</c> configuration section, e.g. <c>Cap__ConsumerThreadCount=2</c>.
/// </summary>
public static class CapSettings
{
    public const int ConsumerThreads = 4;

    public const ushort Prefetch = 100;

    public static void Apply(CapOptions cap, PeerOptions peer, NpgsqlDataSource db, IConfiguration configuration)
    {
        // Four consumer channels, each with 100 deliveries in flight, each running its subscriber before it acks.
        cap.ConsumerThreadCount = ConsumerThreads;
        cap.EnableSubscriberParallelExecute = false;
        // The commit hands the messages to CAP's send queue instead of sending them one by one in the request.
        cap.EnablePublishParallelSend = true;
        // After a broker outage CAP resends only through its retry processor: 200 messages a pass, each at least
        // FallbackWindowLookbackSeconds old. Its defaults (a pass a minute, 240 s) take most of an hour for a 10,000-message
        // backlog; these are the quickest it allows (under 30 s CAP warns of resending messages still being sent).
        cap.FailedRetryInterval = 1;
        cap.FallbackWindowLookbackSeconds = 30;
        configuration.GetSection("Cap").Bind(cap);

        cap.UsePostgreSql(storage =>
        {
            storage.DataSource = db;
            storage.Schema = peer.CapSchema;
        });
        cap.UseRabbitTransport(new RabbitTransportOptions
        {
            Uri = peer.RabbitUri!,
            PrefetchCount = Prefetch,
            PublisherBindings = [new QueueBinding($"{WelcomeTodoSubscriber.Group}.{cap.Version}", UserRegistered.Topic)],
        });
    }
}
