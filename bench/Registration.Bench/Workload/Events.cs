using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Workload;

/// <summary>USER_REGISTERED events as AuthApi writes them (Features/Register.cs), and as the relay publishes them.</summary>
internal static class Events
{
    /// <summary>The real outbox writer, with the services' default partition count.</summary>
    public static OutboxWriter Writer { get; } = new(Microsoft.Extensions.Options.Options.Create(new OutboxOptions()));

    public static OutboxMessage NewOutboxMessage(string prefix, int index)
    {
        var userId = Guid.CreateVersion7();
        var correlationId = $"{prefix}-{index}";
        var registered = UserRegistered.Create(Guid.CreateVersion7(), DateTimeOffset.UtcNow, correlationId, userId, $"{prefix}-{index}@example.com");
        return new OutboxMessage(
            registered.EventId,
            registered.EventType,
            userId,
            JsonSerializer.Serialize(registered, EventJson.Options),
            new Dictionary<string, string> { [MessageHeaders.CorrelationId] = correlationId });
    }

    public static List<OutboxMessage> NewOutboxMessages(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => NewOutboxMessage(prefix, i)).ToList();

    /// <summary>The AMQP properties the relay sets (Outbox/OutboxPublisher.cs).</summary>
    public static BasicProperties Properties(OutboxMessage message) => new()
    {
        Persistent = true,
        MessageId = message.EventId.ToString(),
        Type = message.EventType,
        ContentType = "application/json",
        CorrelationId = message.Headers[MessageHeaders.CorrelationId],
        Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
        Headers = message.Headers.ToDictionary(header => header.Key, header => (object?)header.Value),
    };

    public static byte[] Body(OutboxMessage message) => Encoding.UTF8.GetBytes(message.Payload);

    /// <summary>Writes the events through the real <see cref="OutboxWriter"/>, in one transaction per <paramref name="perTransaction"/> events.</summary>
    public static async Task WriteOutboxAsync(Npgsql.NpgsqlDataSource db, IReadOnlyList<OutboxMessage> messages, int perTransaction, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        foreach (var chunk in messages.Chunk(perTransaction))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            foreach (var message in chunk)
            {
                await Writer.AddAsync(connection, transaction, message, cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
    }
}
