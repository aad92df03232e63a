using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Registration.Contracts;

namespace TodoConsumer.DeadLetters;

/// <summary>
/// One message of the dead-letter queue as an operator sees it. Its id is the AMQP message_id, else the
/// body's eventId, else a hash of the body (a message that is not even JSON can still be replayed or discarded).
/// </summary>
public sealed record DeadLetter(
    string EventId,
    string IdSource,
    string? Reason,
    string? DeadLetteredAt,
    int? Attempts,
    string RoutingKey,
    string? CorrelationId,
    int BodyBytes,
    string BodyPreview,
    bool BodyTruncated)
{
    public const int PreviewBytes = 512;

    public static DeadLetter From(BasicGetResult message)
    {
        var headers = message.BasicProperties.Headers;
        var body = message.Body.Span;
        var (id, source) = IdOf(message);
        var preview = body[..Math.Min(body.Length, PreviewBytes)];
        return new DeadLetter(
            id,
            source,
            MessageHeaders.Text(headers, MessageHeaders.DeadLetterReason) ?? MessageHeaders.Text(headers, "x-first-death-reason"),
            MessageHeaders.Text(headers, MessageHeaders.DeadLetteredAt),
            int.TryParse(MessageHeaders.Text(headers, MessageHeaders.DeliveryAttempts), CultureInfo.InvariantCulture, out var attempts) ? attempts : null,
            message.RoutingKey,
            message.BasicProperties.CorrelationId ?? MessageHeaders.Text(headers, MessageHeaders.CorrelationId),
            body.Length,
            Encoding.UTF8.GetString(preview),
            body.Length > PreviewBytes);
    }

    public static (string Id, string Source) IdOf(BasicGetResult message)
    {
        if (!string.IsNullOrWhiteSpace(message.BasicProperties.MessageId))
        {
            return (message.BasicProperties.MessageId, "message_id");
        }

        if (BodyEventId(message.Body) is { } eventId)
        {
            return (eventId, "body");
        }

        return ($"sha256-{Convert.ToHexStringLower(SHA256.HashData(message.Body.Span))[..32]}", "body-hash");
    }

    private static string? BodyEventId(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("eventId", out var eventId)
                && eventId.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(eventId.GetString())
                    ? eventId.GetString()
                    : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
