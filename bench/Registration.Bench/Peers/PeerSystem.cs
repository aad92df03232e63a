using Registration.Bench.Infrastructure;

namespace Registration.Bench.Peers;

/// <summary>A peer as two processes, like AuthApi and TodoConsumer: a producer (registrations, outbox) and a consumer (inbox, todos).</summary>
internal sealed class PeerSystem : IAsyncDisposable
{
    private PeerSystem(ServiceProcess producer, ServiceProcess consumer)
    {
        Producer = producer;
        Consumer = consumer;
    }

    public ServiceProcess Producer { get; }

    public ServiceProcess Consumer { get; }

    public IReadOnlyDictionary<string, int> Pids => new Dictionary<string, int> { ["producer"] = Producer.Pid, ["consumer"] = Consumer.Pid };

    /// <param name="producerBrokerPort">The broker port the producer publishes through (a proxy's, to cut it), or null for the broker itself.</param>
    public static async Task<PeerSystem> StartAsync(BenchSettings settings, PeerSandbox sandbox, string name, int? producerBrokerPort, CancellationToken cancellationToken)
    {
        var consumer = await PeerProcess.StartAsync(settings, sandbox, PeerRole.Consumer, name, null, cancellationToken);
        try
        {
            var producer = await PeerProcess.StartAsync(settings, sandbox, PeerRole.Producer, name, producerBrokerPort, cancellationToken);
            return new PeerSystem(producer, consumer);
        }
        catch
        {
            await consumer.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Producer.DisposeAsync();
        await Consumer.DisposeAsync();
    }
}
