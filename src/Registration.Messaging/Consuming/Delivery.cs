using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>A delivery kept past its event handler: RabbitMQ.Client reuses the body's buffer once the handler returns.</summary>
internal sealed record Delivery(ulong Tag, string RoutingKey, IReadOnlyBasicProperties Properties, ReadOnlyMemory<byte> Body)
{
    public static Delivery CopyOf(BasicDeliverEventArgs args) =>
        new(args.DeliveryTag, args.RoutingKey, args.BasicProperties, args.Body.ToArray());

    /// <summary>This delivery's number: 1 the first time, then one more per redelivery (quorum queues count them).</summary>
    public int Attempt =>
        (int.TryParse(Header(MessageHeaders.DeliveryCount), System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : 0) + 1;

    public string? Header(string name) => MessageHeaders.Text(Properties.Headers, name);
}
