using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Registration.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>
    /// Exports the Registration spans and meters, and ASP.NET Core's server spans and metrics, over OTLP
    /// when Telemetry:OtlpEndpoint is set. Without it nothing is collected beyond what logging uses.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetryExport(this IHostApplicationBuilder builder)
    {
        var endpoint = builder.Configuration[$"{TelemetryOptions.Section}:{nameof(TelemetryOptions.OtlpEndpoint)}"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return builder;
        }

        var resource = ResourceBuilder.CreateDefault().AddService(builder.Environment.ApplicationName);
        void Otlp(OtlpExporterOptions options) => options.Endpoint = new Uri(endpoint);
        builder.Services.AddSingleton(Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(Tracing.SourceName, "Microsoft.AspNetCore")
            .AddOtlpExporter(Otlp)
            .Build());
        builder.Services.AddSingleton(Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter("Registration.*", "Microsoft.AspNetCore.Hosting")
            .AddOtlpExporter(Otlp)
            .Build());
        return builder;
    }
}
