using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// Sums the counters of one service instance (only meters created by that host's IMeterFactory, so
/// parallel tests and other instances in the process do not leak in), keyed "instrument|tagValue"
/// ("instrument|" for measurements without tags).
/// </summary>
public sealed class MetricsProbe : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new();

    public MetricsProbe(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (tags.IsEmpty)
            {
                _sums.AddOrUpdate($"{instrument.Name}|", value, (_, sum) => sum + value);
            }

            foreach (var tag in tags)
            {
                _sums.AddOrUpdate($"{instrument.Name}|{tag.Value}", value, (_, sum) => sum + value);
            }
        });
        _listener.Start();
    }

    public long Sum(string instrument, params string[] tagValues) =>
        tagValues.Sum(tag => _sums.GetValueOrDefault($"{instrument}|{tag}"));

    public void Dispose() => _listener.Dispose();
}
