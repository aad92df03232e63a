using RabbitMQ.Client;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Applies one message and says whether it changed anything (<see cref="MessageOutcome.Applied"/>) or had
/// been applied before (<see cref="MessageOutcome.Duplicate"/>), or was older than what was already applied
/// (<see cref="MessageOutcome.Stale"/>). Throw <see cref="PoisonMessageException"/>
/// when it can never be applied; any other exception is retried.
/// </summary>
public interface IMessageHandler
{
    Task<MessageOutcome> HandleAsync(ReadOnlyMemory<byte> body, IReadOnlyBasicProperties properties, CancellationToken cancellationToken);
}
