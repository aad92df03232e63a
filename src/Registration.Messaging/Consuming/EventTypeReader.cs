using System.Text.Json;
using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>The <c>eventType</c> of a body, read before the body itself, for queues that carry several types; or why it cannot be read (a poison message).</summary>
public static class EventTypeReader
{
    public const int MaxBodyBytes = 64 * 1024;

    public static string TypeOf(ReadOnlyMemory<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            throw new PoisonMessageException($"body of {body.Length} bytes exceeds the limit of {MaxBodyBytes}");
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new PoisonMessageException($"body is JSON {document.RootElement.ValueKind}, not an event object");
            }

            return document.RootElement.TryGetProperty("eventType", out var type) && type.ValueKind == JsonValueKind.String
                ? type.GetString()!
                : throw new PoisonMessageException("missing required fields: eventType");
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"body is not a valid JSON document: {ex.Message}");
        }
    }
}
