using Registration.Contracts;
using Registration.Messaging.Consuming;

namespace TodoConsumer.Welcome;

/// <summary>One event of user_registered_queue: a registration, or the account deletion's erasure request.</summary>
public sealed record UserMessage(UserRegistered? Registered, AccountEvent? ErasureRequested)
{
    public Guid UserId => Registered?.Data.UserId ?? ErasureRequested!.Data.UserId;

    public DateTimeOffset OccurredAt => Registered?.OccurredAt ?? ErasureRequested!.OccurredAt;

    /// <summary>Reads a body, or says precisely why it never can be read (a poison message, dead-lettered at once with that reason).</summary>
    public static UserMessage Read(ReadOnlyMemory<byte> body) => EventTypeReader.TypeOf(body) switch
    {
        UserRegistered.Type => new UserMessage(UserRegisteredReader.Read(body), null),
        AccountEvent.ErasureRequested => new UserMessage(null, AccountEventReader.Read(body, AccountEvent.ErasureRequested)),
        var type => throw new PoisonMessageException($"unknown event type '{type}'"),
    };
}
