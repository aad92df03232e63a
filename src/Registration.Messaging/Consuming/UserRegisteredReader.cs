using System.Text.Json;
using Registration.Contracts;
namespace Registration.Messaging.Consuming;

/// <summary>Reads a USER_REGISTERED body, or says precisely why it never can be read (a poison message). Every consumer of the event reads it so.</summary>
public static class UserRegisteredReader
{

    public static UserRegistered Read(ReadOnlyMemory<byte> body)
    {
        if (body.Length > EventTypeReader.MaxBodyBytes)
        {
            throw new PoisonMessageException($"body of {body.Length} bytes exceeds the limit of {EventTypeReader.MaxBodyBytes}");
        }

        UserRegistered? message;
        try
        {
            message = JsonSerializer.Deserialize<UserRegistered>(body.Span, EventJson.Options);
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"body is not a valid USER_REGISTERED JSON document: {ex.Message}");
        }

        if (message is null)
        {
            throw new PoisonMessageException("body is JSON null");
        }

        if (message.EventType != UserRegistered.Type)
        {
            throw new PoisonMessageException($"unknown event type '{message.EventType}'");
        }

        if (message.Version != UserRegistered.CurrentVersion)
        {
            throw new PoisonMessageException($"unsupported version {message.Version} of {UserRegistered.Type}");
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

        if (message.Sequence < UserRegistered.FirstSequence)
        {
            throw new PoisonMessageException($"sequence {message.Sequence} is below {UserRegistered.FirstSequence}");
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

            if (string.IsNullOrWhiteSpace(message.Data.Email))
            {
                missing.Add("data.email");
            }
        }

        return missing.Count == 0
            ? message
            : throw new PoisonMessageException($"missing required fields: {string.Join(", ", missing)}");
    }
}
