using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Registration.Tests.Infrastructure;

/// <summary>
/// An OTLP/HTTP receiver on a loopback port, for processes the test cannot listen to in-process (the silos): what a
/// service exports to it with OTEL_EXPORTER_OTLP_ENDPOINT = <see cref="Endpoint"/> and protocol http/protobuf.
/// It keeps the spans and accepts (and drops) metrics and logs.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();

    private OtlpCollector(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ExportedSpan> Spans => _spans;

    /// <summary>The settings that make a service export to this collector at once (100 ms batches).</summary>
    public (string Key, string? Value)[] ExporterSettings =>
    [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint.ToString().TrimEnd('/')),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_BSP_SCHEDULE_DELAY", "100"),
    ];

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var collector = new OtlpCollector(builder.Build());
        collector._app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in OtlpTraceReader.Read(body.ToArray()))
            {
                collector._spans.Enqueue(span);
            }

            return Results.Bytes([], "application/x-protobuf"); // an empty ExportTraceServiceResponse: all accepted
        });
        collector._app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await collector._app.StartAsync();
        collector.Endpoint = new Uri(collector._app.Urls.First()); // the port Kestrel was given
        return collector;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
