using System.Text;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>Messages put straight into the dead-letter queue (through its exchange), as the consumer would have dead-lettered them.</summary>
public static class TestDeadLetters
{
    public const string CorrelationId = "corr-dead-letter-test";

    public static async Task PublishDeadLetterAsync(this TestSystem system, byte[] body, string? messageId, string reason = "failed 5 times, last: a bug since fixed")
    {
        await using var connection = await system.ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(1));
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            Type = UserRegistered.Type,
            MessageId = messageId,
            Headers = new Dictionary<string, object?>
            {
                [MessageHeaders.CorrelationId] = Encoding.UTF8.GetBytes(CorrelationId),
                [MessageHeaders.DeadLetterReason] = Encoding.UTF8.GetBytes(reason),
                [MessageHeaders.DeadLetteredAt] = Encoding.UTF8.GetBytes("2026-01-02T03:04:05.0000000+00:00"),
                [MessageHeaders.DeliveryAttempts] = 5,
            },
        };
        await channel.BasicPublishAsync(Topology.DeadLetterExchange, Topology.UserRegisteredRoutingKey, mandatory: true, properties, body);
    }

    public static async Task TodoSqlAsync(this TestSystem system, string sql)
    {
        await using var connection = await system.TodoDb.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    public static Task<long> WelcomeTodosAsync(this TestSystem system, Guid userId) =>
        system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId AND title = 'Welcome to the App'", new { userId });
}
