using Microsoft.Extensions.Options;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;

namespace Registration.Messaging.Notifications;

/// <summary>
/// Refuses a notification retention that a duplicate could outlive: a notification's row is its event's dedup key, and a
/// copy of the event can be published while its outbox row is kept (Outbox:Retention) and then wait in the queue or the
/// dead-letter queue (Consumer:MaxMessageAge); the row must still exist when the copy arrives.
/// </summary>
internal sealed class NotificationRetentionValidator(IOptions<OutboxOptions> outbox, IOptions<ConsumerOptions> consumer) : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var (retention, maxAge) = (outbox.Value.Retention, consumer.Value.MaxMessageAge);
        var needed = retention + maxAge;
        return options.Retention > needed
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Notifications:Retention ({options.Retention}) must be longer than Outbox:Retention ({retention}) + Consumer:MaxMessageAge " +
                $"({maxAge}) = {needed}: a notification is its event's dedup key, and a duplicate of the event can arrive until the outbox row " +
                "is deleted and the message has waited its longest in the queue or the dead-letter queue. Raise Notifications:Retention or " +
                "lower the other two (set them alike on the silos and the Notifications instances).");
    }
}
