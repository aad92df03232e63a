using System.Diagnostics.Metrics;

namespace Registration.Messaging.Outbox;

/// <summary>The relay's counters and the outbox backlog gauges (meter Registration.Outbox).</summary>
public sealed class OutboxMetrics
{
    public const string MeterName = "Registration.Outbox";

    private readonly Counter<long> _published;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _fenced;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _retentionDeleted;

    public OutboxMetrics(IMeterFactory meterFactory, OutboxBacklog backlog)
    {
        var meter = meterFactory.Create(MeterName);
        _published = meter.CreateCounter<long>("registration.outbox.published", "{event}", "Events confirmed by the broker and marked SENT.");
        _failures = meter.CreateCounter<long>("registration.outbox.publish_failures", "{event}", "Events the broker nacked or returned, or that timed out; kept PENDING with backoff.");
        _fenced = meter.CreateCounter<long>("registration.outbox.fenced", "{event}", "Confirmed events not marked because a newer relay activation of the partition took over meanwhile.");
        _batchDuration = meter.CreateHistogram<double>("registration.outbox.batch.duration", "ms", "Claim, publish, confirm and mark of one batch.");
        _retentionDeleted = meter.CreateCounter<long>("registration.outbox.retention.deleted", "{event}", "SENT rows deleted because they were older than Outbox:Retention.");
        meter.CreateObservableGauge("registration.outbox.pending", () => backlog.Current?.Pending ?? 0, "{event}", "PENDING events in the outbox.");
        meter.CreateObservableGauge("registration.outbox.oldest_pending_age", () => backlog.Current?.OldestAge.TotalSeconds ?? 0, "s", "Age of the oldest PENDING event.");
    }

    public void Relayed(RelayResult result, TimeSpan duration)
    {
        if (result.Claimed == 0)
        {
            return;
        }

        _published.Add(result.Sent);
        _failures.Add(result.Failed);
        _fenced.Add(result.Fenced);
        _batchDuration.Record(duration.TotalMilliseconds);
    }

    public void RetentionDeleted(int count) => _retentionDeleted.Add(count);
}
