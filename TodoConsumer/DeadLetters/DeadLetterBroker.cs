using RabbitMQ.Client;
using Registration.Messaging.Broker;

namespace TodoConsumer.DeadLetters;

/// <summary>The broker connection of the dead-letter admin endpoints (declared topology, so the queues exist where no consumer runs).</summary>
public sealed class DeadLetterBroker(RabbitMqConnector connector) : IAsyncDisposable
{
    private readonly SharedBrokerConnection _connection = new(connector, "dead-letters");

    public Task<IConnection> ConnectionAsync(CancellationToken cancellationToken) => _connection.ConnectionAsync(cancellationToken);

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
