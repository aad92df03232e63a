using System.Diagnostics.Metrics;
using Registration.Contracts;

namespace Registration.Messaging.Consuming;

/// <summary>What the consumer did with each message, and how long it took from the start of its batch until settled.</summary>
public sealed class ConsumerMetrics
{
    public const string MeterName = "Registration.Consumer";
    public const string MessagesInstrument = "registration.consumer.messages";

    private readonly Counter<long> _messages;
    private readonly Histogram<double> _handlerDuration;
    private readonly Counter<long> _dedupKeysDeleted;

    public ConsumerMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _messages = meter.CreateCounter<long>(MessagesInstrument, "{message}", "Messages settled by the consumer, by outcome: applied, duplicate, stale, requeued, dead_lettered (poison, or failed too often), dead_letter_failed (returned to the queue because the dead-letter queue did not confirm it), expired (never applied and older than Consumer:MaxMessageAge: dead-lettered).");
        _handlerDuration = meter.CreateHistogram<double>("registration.consumer.handler.duration", "ms", "Time from the start of a message's batch until the message was settled.");
        _dedupKeysDeleted = meter.CreateCounter<long>("registration.consumer.dedup_keys.deleted", "{key}", "processed_events keys deleted because they were older than Consumer:DedupWindow.");
    }

    public void Settled(MessageOutcome outcome, TimeSpan handlerTime)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.ToTag());
        _messages.Add(1, tag);
        _handlerDuration.Record(handlerTime.TotalMilliseconds, tag);
    }

    public void DedupKeysDeleted(int count) => _dedupKeysDeleted.Add(count);
}

public static class MessageOutcomeTags
{
    public static string ToTag(this MessageOutcome outcome) => outcome switch
    {
        MessageOutcome.Applied => "applied",
        MessageOutcome.Duplicate => "duplicate",
        MessageOutcome.Stale => "stale",
        MessageOutcome.Requeued => "requeued",
        MessageOutcome.DeadLettered => "dead_lettered",
        MessageOutcome.DeadLetterFailed => "dead_letter_failed",
        MessageOutcome.Expired => "expired",
        MessageOutcome.Erased => "erased",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };
}
