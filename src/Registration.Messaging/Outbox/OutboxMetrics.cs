using System.Diagnostics.Metrics;

namespace Registration.Messaging.Outbox;

/// <summary>The relays' counters and the outboxes' backlog gauges (meter Registration.Outbox), each tagged with its outbox.</summary>
public sealed class OutboxMetrics
{
    public const string MeterName = "Registration.Outbox";

    private readonly Counter<long> _published;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _fenced;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _retentionDeleted;

    public const string OutboxTag = "outbox";

    public OutboxMetrics(IMeterFactory meterFactory, IEnumerable<OutboxBacklog> backlogs)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("registration.outbox.published", "{event}", "Events confirmed by the broker and marked SENT.");
        _failures = meter.CreateCounter<long>("registration.outbox.publish_failures", "{event}", "Events the broker nacked or returned, or that timed out; kept PENDING with backoff.");
        _fenced = meter.CreateCounter<long>("registration.outbox.fenced", "{event}", "Confirmed events not marked because a newer relay activation of the partition took over meanwhile.");
        _batchDuration = meter.CreateHistogram<double>("registration.outbox.batch.duration", "ms", "Claim, publish, confirm and mark of one batch.");
        _retentionDeleted = meter.CreateCounter<long>("registration.outbox.retention.deleted", "{event}", "SENT rows deleted because they were older than Outbox:Retention.");
        var measured = backlogs.ToList();
        meter.CreateObservableGauge("registration.outbox.pending",
            () => measured.Select(b => new Measurement<long>(b.Current?.Pending ?? 0, Tag(b.Outbox))), "{event}", "PENDING events in the outbox.");
        meter.CreateObservableGauge("registration.outbox.oldest_pending_age",
            () => measured.Select(b => new Measurement<double>(b.Current?.OldestAge.TotalSeconds ?? 0, Tag(b.Outbox))), "s", "Age of the oldest PENDING event.");
    }

    public void Relayed(string outbox, RelayResult result, TimeSpan duration)
    {
        if (result.Claimed == 0)
        {
            return;
        }

        var tag = Tag(outbox);
        _published.Add(result.Sent, tag);
        _failures.Add(result.Failed, tag);
        _fenced.Add(result.Fenced, tag);
        _batchDuration.Record(duration.TotalMilliseconds, tag);
    }

    public void RetentionDeleted(string outbox, int count) => _retentionDeleted.Add(count, Tag(outbox));

    private static KeyValuePair<string, object?> Tag(string outbox) => new(OutboxTag, outbox);
}
