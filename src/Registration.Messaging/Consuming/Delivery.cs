using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Registration.Messaging.Consuming;

/// <summary>A delivery kept past its event handler: RabbitMQ.Client reuses the body's buffer once the handler returns.</summary>
internal sealed record Delivery(ulong Tag, string RoutingKey, IReadOnlyBasicProperties Properties, ReadOnlyMemory<byte> Body)
{
    public static Delivery CopyOf(BasicDeliverEventArgs args) =>
        new(args.DeliveryTag, args.RoutingKey, args.BasicProperties, args.Body.ToArray());

    /// <summary>This delivery's number: 1 the first time, then one more per redelivery (quorum queues count them).</summary>
    public int Attempt =>
        (Properties.Headers?.TryGetValue(Contracts.MessageHeaders.DeliveryCount, out var value) == true
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0) + 1;

    public string? Header(string name) =>
        Properties.Headers?.TryGetValue(name, out var value) == true
            ? value switch
            {
                byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => null,
            }
            : null;
}
