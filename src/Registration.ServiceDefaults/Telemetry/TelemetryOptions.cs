namespace Registration.ServiceDefaults.Telemetry;

public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4317) for traces and metrics; unset: nothing is exported.</summary>
    public string? OtlpEndpoint { get; set; }
}
