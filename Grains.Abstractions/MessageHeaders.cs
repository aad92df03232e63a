using System.Globalization;
using System.Text;

namespace Registration.Contracts;

/// <summary>AMQP header names carried by every event, and those added to a dead letter.</summary>
public static class MessageHeaders
{
    public const string CorrelationId = "x-correlation-id";
    public const string TraceParent = "traceparent";
    public const string DeadLetterReason = "x-dead-letter-reason";
    public const string DeadLetteredAt = "x-dead-lettered-at";
    public const string DeliveryAttempts = "x-delivery-attempts";
    public const string DeliveryCount = "x-delivery-count";

    /// <summary>A header as text: AMQP strings arrive as UTF-8 bytes, numbers as numbers.</summary>
    public static string? Text(IDictionary<string, object?>? headers, string name) =>
        headers?.TryGetValue(name, out var value) == true
            ? value switch
            {
                null => null,
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            }
            : null;
}
