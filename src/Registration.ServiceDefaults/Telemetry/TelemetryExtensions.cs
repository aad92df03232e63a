using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Registration.ServiceDefaults.Http;

namespace Registration.ServiceDefaults.Telemetry;

/// <summary>
/// OpenTelemetry as .NET Aspire's service defaults set it up: metrics always (scraped at /metrics); traces, and OTLP
/// export of traces, metrics and logs, only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the other
/// OTEL_* settings itself: protocol, headers, batch delays).
/// </summary>
public static class TelemetryExtensions
{
    private const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Orleans' grain-call and runtime spans, and its one meter.</summary>
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];
    private const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>RabbitMQ.Client 7's publish and deliver spans (RabbitMQActivitySource); it has no meter.</summary>
    private static readonly string[] RabbitMqSources = ["RabbitMQ.Client.Publisher", "RabbitMQ.Client.Subscriber"];

    /// <summary>The runtime's own meter (GC, thread pool, exceptions): what OpenTelemetry.Instrumentation.Runtime enables on .NET 9+.</summary>
    private const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// Series kept per metric. OpenTelemetry preallocates them for every instrument and reader (its default, 2,000, is about
    /// 35 MB in a silo, where the Orleans dashboard adds a second reader); none of ours comes near 500, and series beyond
    /// the limit are summed into one overflow series, not dropped.
    /// </summary>
    private const int CardinalityLimit = 500;

    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddMeter(OrleansMeter, RuntimeMeter, $"{Tracing.SourceName}.*")
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit })
                .AddPrometheusExporter());

        // No tracer provider at all without a collector: an ActivitySource nobody listens to creates no span, so the
        // request, grain-call and command paths pay nothing for tracing then.
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            builder.Logging.AddOpenTelemetry(logging => (logging.IncludeScopes, logging.IncludeFormattedMessage) = (true, true));
            telemetry
                .WithTracing(tracing => tracing
                    .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsProbeOrScrape(http.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(Tracing.SourceName)
                    .AddSource(OrleansSources)
                    .AddSource(RabbitMqSources))
                .UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>/metrics in Prometheus' text format, for the scraper only (HTTP Basic: Metrics:Username and Metrics:Password).</summary>
    public static IEndpointConventionBuilder MapMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint().RequireAuthorization(AdminLogin.MetricsPolicy);

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
