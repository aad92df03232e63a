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

    public static Task PublishAsync(this TestSystem system, params byte[][] bodies) =>
        system.PublishToAsync(Topology.Exchange, Topology.UserRegisteredRoutingKey, bodies);

    /// <summary>
    /// Publishes by any route, e.g. the default exchange ("") with the queue's name, as a person does from the
    /// management UI. Without <paramref name="declareTopology"/> the broker's objects are used as they are.
    /// </summary>
    public static async Task PublishToAsync(this TestSystem system, string exchange, string routingKey, byte[][] bodies, bool declareTopology = true)
    {
        await using var connection = await system.ConnectBrokerAsync(declareTopology);
        await using var channel = await connection.CreateChannelAsync(OutboxPublisher.ChannelOptions(bodies.Length));
        await Task.WhenAll(bodies.Select(body => channel.BasicPublishAsync(
            exchange,
            routingKey,
            mandatory: true,
            new BasicProperties { Persistent = true, ContentType = "application/json", Type = UserRegistered.Type },
            body).AsTask()));
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
