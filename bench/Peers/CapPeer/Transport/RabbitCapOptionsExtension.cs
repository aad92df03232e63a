using DotNetCore.CAP;
using DotNetCore.CAP.Transport;

namespace CapPeer.Transport;

/// <summary>
/// Registers the transport the way CAP's own transports do: the marker CAP's bootstrapper requires, the sender
/// (<see cref="ITransport"/>) and the consumer client factory.
/// </summary>
internal sealed class RabbitCapOptionsExtension(RabbitTransportOptions options) : ICapOptionsExtension
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(new CapMessageQueueMakerService("RabbitMQ (CapPeer's own transport)"));
        services.AddSingleton(options);
        services.AddSingleton<RabbitConnections>();
        services.AddSingleton<ITransport, RabbitTransport>();
        services.AddSingleton<IConsumerClientFactory, RabbitConsumerClientFactory>();
    }
}

public static class RabbitCapOptionsExtensions
{
    /// <summary>CAP's transport over RabbitMQ.Client 7, in place of DotNetCore.CAP.RabbitMQ (not available here).</summary>
    public static CapOptions UseRabbitTransport(this CapOptions cap, RabbitTransportOptions options)
    {
        cap.RegisterExtension(new RabbitCapOptionsExtension(options));
        return cap;
    }
}
