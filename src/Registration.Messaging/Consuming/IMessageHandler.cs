using RabbitMQ.Client;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Applies one message. Return normally when it is applied (or was already), throw
/// <see cref="PoisonMessageException"/> when it can never be applied; any other exception is retried.
/// </summary>
public interface IMessageHandler
{
    Task HandleAsync(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, CancellationToken cancellationToken);
}
