using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Registration.Messaging.Broker;

/// <summary>
/// Opens broker connections. Automatic recovery is off on purpose: each worker supervises its own
/// connection (connect, declare topology, work, and on loss back off and start over), which keeps
/// what happens after a broker restart explicit and testable.
/// </summary>
public sealed class RabbitMqConnector(IOptions<RabbitMqOptions> options)
{
    public Task<IConnection> ConnectAsync(string purpose, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var factory = new ConnectionFactory
        {
            HostName = settings.Host,
            Port = settings.Port,
            VirtualHost = settings.VirtualHost,
            UserName = settings.UserName,
            Password = settings.Password,
            ClientProvidedName = $"{settings.ClientName}:{purpose}",
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
        };
        return factory.CreateConnectionAsync(cancellationToken);
    }
}
