using Microsoft.Extensions.Options;
using Registration.Messaging.Outbox;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Refuses a dedup window that a duplicate could outlive: a copy of an event can be published as long as its outbox
/// row is kept (Outbox:Retention) and can then wait in the queue or the dead-letter queue (Consumer:MaxMessageAge), so
/// its processed_events key must be kept longer than both together, or the copy would be applied a second time.
/// </summary>
internal sealed class RetentionWindowsValidator(IOptions<OutboxOptions> outbox) : IValidateOptions<ConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, ConsumerOptions options)
    {
        var retention = outbox.Value.Retention;
        var needed = retention + options.MaxMessageAge;
        return options.DedupWindow > needed
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Consumer:DedupWindow ({options.DedupWindow}) must be longer than Outbox:Retention ({retention}) + Consumer:MaxMessageAge " +
                $"({options.MaxMessageAge}) = {needed}: a duplicate can arrive until the outbox row is deleted and the message has waited its " +
                "longest in the queue or the dead-letter queue, and its processed_events key must still exist then. Raise Consumer:DedupWindow " +
                "or lower the other two (set all three alike on the silos and TodoConsumer).");
    }
}
