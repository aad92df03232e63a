using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Registration.Contracts;
using Registration.Messaging.Consuming;

namespace TodoConsumer.Admin;

/// <summary>
/// Sums <c>registration.consumer.messages</c> by outcome for THIS instance since it started, by listening
/// to the meters of this host only. Duplicates absorbed leave nothing in the database, so this is the only
/// place they are counted; the numbers are per instance, not cluster-wide.
/// </summary>
public sealed class ConsumerOutcomeCounters : IDisposable
{
    private static readonly string[] Outcomes = [.. Enum.GetValues<MessageOutcome>().Select(o => o.ToTag())];

    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public ConsumerOutcomeCounters(IMeterFactory meterFactory, TimeProvider time)
    {
        Since = time.GetUtcNow();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory)
                && instrument.Meter.Name == ConsumerMetrics.MeterName
                && instrument.Name == ConsumerMetrics.MessagesInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: string outcome })
                {
                    _counts.AddOrUpdate(outcome, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    public DateTimeOffset Since { get; }

    /// <summary>Messages settled by this instance since <see cref="Since"/>, by outcome (every known outcome, zero included).</summary>
    public IReadOnlyDictionary<string, long> Snapshot() =>
        Outcomes.Concat(_counts.Keys).Distinct().ToDictionary(outcome => outcome, outcome => _counts.GetValueOrDefault(outcome));

    public void Dispose() => _listener.Dispose();
}
