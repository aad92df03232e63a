using System.Diagnostics;

namespace Registration.ServiceDefaults.Telemetry;

/// <summary>
/// The system's spans: register (HTTP), outbox publish (producer) and consume (consumer). The W3C
/// traceparent travels HTTP request -> outbox row -> AMQP header -> consumer, so one registration is one trace.
/// </summary>
public static class Tracing
{
    public const string SourceName = "Registration";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>Starts a span whose parent is the given traceparent (when well-formed), or the current span.</summary>
    public static Activity? StartLinked(string name, ActivityKind kind, string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);

    /// <summary>The traceparent to hand on: the current span's when there is one, else what came in.</summary>
    public static string? TraceParentOf(Activity? activity, string? incoming) =>
        activity is { IdFormat: ActivityIdFormat.W3C } ? activity.Id : incoming;
}
