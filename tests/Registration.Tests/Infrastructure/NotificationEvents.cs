using System.Text.Json;
using AuthApi.Security;
using Registration.Contracts;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Auth;

namespace Registration.Tests.Infrastructure;

/// <summary>Events for notifications_queue put straight onto the broker, and tokens for the users they name.</summary>
public static class NotificationEvents
{
    public static byte[] Registered(Guid eventId, Guid userId) => TestEvents.UserRegisteredBody(eventId, userId);

    public static byte[] TodoChangedBody(
        Guid eventId, Guid userId, long sequence, string type = TodoChanged.Created, string title = "Buy milk", bool completed = false,
        Guid? todoId = null, DateTimeOffset? occurredAt = null) =>
        JsonSerializer.SerializeToUtf8Bytes(
            new TodoChanged(eventId, type, TodoChanged.CurrentVersion, occurredAt ?? DateTimeOffset.UtcNow, $"test-{eventId:N}", sequence,
                new TodoChangedData(userId, todoId ?? Guid.NewGuid(), title, completed)),
            EventJson.Options);

    /// <summary>Publishes task events with their routing keys (todo.created|updated|deleted).</summary>
    public static async Task PublishTodoAsync(this TestSystem system, params byte[][] bodies)
    {
        foreach (var body in bodies)
        {
            var type = JsonDocument.Parse(body).RootElement.GetProperty("eventType").GetString()!;
            await system.PublishToAsync(Topology.Exchange, BrokerTopology.RoutingKeyFor(type), [body]);
        }
    }

    public static string TokenFor(Guid userId) =>
        new TokenIssuer(Microsoft.Extensions.Options.Options.Create(new JwtOptions { SigningKey = TestSettings.JwtSigningKey }), TimeProvider.System)
            .Issue(userId, $"{userId:N}@example.com").Token;

    public static Task<long> NotificationsAsync(this TestSystem system, Guid userId) =>
        system.NotifyScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = @userId", new { userId });
}
