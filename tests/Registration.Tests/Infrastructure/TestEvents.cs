using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Tests.Infrastructure;

/// <summary>Messages put straight onto the broker, as a relay (or an attacker, or a bug) would.</summary>
public static class TestEvents
{
    public static byte[] UserRegisteredBody(Guid eventId, Guid userId) =>
        JsonSerializer.SerializeToUtf8Bytes(
            UserRegistered.Create(eventId, DateTimeOffset.UtcNow, $"test-{eventId:N}", userId, $"{userId:N}@example.com"),
            EventJson.Options);

    public static async Task PublishAsync(this TestSystem system, params byte[][] bodies)
    {
        await using var connection = await system.ConnectBrokerAsync();
        await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(bodies.Length));
        await Task.WhenAll(bodies.Select(body => channel.BasicPublishAsync(
            Topology.Exchange,
            Topology.UserRegisteredRoutingKey,
            mandatory: true,
            new BasicProperties { Persistent = true, ContentType = "application/json", Type = UserRegistered.Type },
            body).AsTask()));
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
