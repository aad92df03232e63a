using System.Diagnostics;
using System.Text.Json;
using Registration.Contracts;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Accounts;

internal static class AccountEvents
{
    /// <summary>An account event as an outbox row of its user: the contract's JSON body, the correlation id and the current trace.</summary>
    public static OutboxMessage ToOutboxMessage(AccountEvent message)
    {
        var headers = new Dictionary<string, string> { [MessageHeaders.CorrelationId] = message.CorrelationId };
        if (Activity.Current?.Id is { } traceParent)
        {
            headers[MessageHeaders.TraceParent] = traceParent;
        }

        return new OutboxMessage(message.EventId, message.EventType, message.Data.UserId, JsonSerializer.Serialize(message, EventJson.Options), headers);
    }
}
