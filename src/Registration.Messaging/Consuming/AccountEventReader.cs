using System.Text.Json;
using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>Reads an account event body (<see cref="AccountEvent"/>, version 1) of one expected type, or says precisely why it never can be read (a poison message).</summary>
public static class AccountEventReader
{
    public static AccountEvent Read(ReadOnlyMemory<byte> body, string expectedType)
    {
        if (body.Length > EventTypeReader.MaxBodyBytes)
        {
            throw new PoisonMessageException($"body of {body.Length} bytes exceeds the limit of {EventTypeReader.MaxBodyBytes}");
        }

        AccountEvent? message;
        try
        {
            message = JsonSerializer.Deserialize<AccountEvent>(body.Span, EventJson.Options);
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"body is not a valid {expectedType} JSON document: {ex.Message}");
        }

        if (message is null)
        {
            throw new PoisonMessageException("body is JSON null");
        }

        if (message.EventType != expectedType)
        {
            throw new PoisonMessageException($"unknown event type '{message.EventType}'");
        }

        if (message.Version != AccountEvent.CurrentVersion)
        {
            throw new PoisonMessageException($"unsupported version {message.Version} of {expectedType}");
        }

        var missing = new List<string>();
        if (message.EventId == Guid.Empty)
        {
            missing.Add("eventId");
        }

        if (message.OccurredAt == default)
        {
            missing.Add("occurredAt");
        }

        if (message.Data is null)
        {
            missing.Add("data");
        }
        else
        {
            if (message.Data.UserId == Guid.Empty)
            {
                missing.Add("data.userId");
            }

            if (expectedType == AccountEvent.DataErased && !ErasingServices.All.Contains(message.Data.Service))
            {
                throw new PoisonMessageException(message.Data.Service is null
                    ? "missing required fields: data.service"
                    : $"unknown service '{message.Data.Service}' (expected one of {string.Join(", ", ErasingServices.All)})");
            }
        }

        return missing.Count == 0
            ? message
            : throw new PoisonMessageException($"missing required fields: {string.Join(", ", missing)}");
    }
}
