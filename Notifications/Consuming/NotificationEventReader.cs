using System.Text.Json;
using Registration.Contracts;
using Registration.Messaging.Consuming;

namespace Notifications.Consuming;

/// <summary>
/// Reads a body of notifications_queue (USER_REGISTERED, TODO_CREATED/UPDATED/DELETED or USER_ERASURE_REQUESTED, version 1), or says precisely
/// why it never can be read: a poison message, dead-lettered at once with that reason.
/// </summary>
public static class NotificationEventReader
{
    public static NotificationMessage Read(ReadOnlyMemory<byte> body) => EventTypeReader.TypeOf(body) switch
    {
        UserRegistered.Type => new NotificationMessage(UserRegisteredReader.Read(body), null, null),
        AccountEvent.ErasureRequested => new NotificationMessage(null, null, AccountEventReader.Read(body, AccountEvent.ErasureRequested)),
        var type when TodoChanged.Types.Contains(type) => new NotificationMessage(null, ReadTodoChanged(body, type), null),
        var type => throw new PoisonMessageException($"unknown event type '{type}'"),
    };

    private static TodoChanged ReadTodoChanged(ReadOnlyMemory<byte> body, string type)
    {
        var message = Deserialize<TodoChanged>(body, type);
        CheckVersion(message.Version, TodoChanged.CurrentVersion, type);
        var missing = Envelope(message.EventId, message.OccurredAt);
        if (message.Sequence == 0)
        {
            missing.Add("sequence");
        }
        else if (message.Sequence < 0)
        {
            throw new PoisonMessageException($"sequence {message.Sequence} is below 1");
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

            if (message.Data.TodoId == Guid.Empty)
            {
                missing.Add("data.todoId");
            }

            if (message.Data.Title is null)
            {
                missing.Add("data.title");
            }
            else if (message.Data.Title.Length > Todo.MaxTitleLength)
            {
                throw new PoisonMessageException($"data.title is {message.Data.Title.Length} characters, more than {Todo.MaxTitleLength}");
            }
        }

        return missing.Count == 0 ? message : throw Missing(missing);
    }

    private static T Deserialize<T>(ReadOnlyMemory<byte> body, string type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, EventJson.Options)
                ?? throw new PoisonMessageException("body is JSON null");
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"body is not a valid {type} JSON document: {ex.Message}");
        }
    }

    private static void CheckVersion(int version, int supported, string type)
    {
        if (version != supported)
        {
            throw new PoisonMessageException($"unsupported version {version} of {type}");
        }
    }

    private static List<string> Envelope(Guid eventId, DateTimeOffset occurredAt)
    {
        var missing = new List<string>();
        if (eventId == Guid.Empty)
        {
            missing.Add("eventId");
        }

        if (occurredAt == default)
        {
            missing.Add("occurredAt");
        }

        return missing;
    }

    private static PoisonMessageException Missing(List<string> missing) =>
        new($"missing required fields: {string.Join(", ", missing)}");
}
