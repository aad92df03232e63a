using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Registration.ServiceDefaults.Telemetry;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

/// <summary>One registration is one trace: HTTP request -> outbox row -> AMQP header -> consumer -> the user's grain.</summary>
public sealed class TracingTests : IAsyncLifetime
{
    /// <summary>Orleans' ActivitySource of grain calls made by application code.</summary>
    private const string OrleansCalls = "Microsoft.Orleans.Application";

    private readonly ConcurrentBag<Activity> _finished = [];
    private readonly ActivityListener _listener;
    private TestSystem _system = null!;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is Tracing.SourceName or OrleansCalls,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _finished.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Trace_context_flows_from_the_request_through_the_outbox_and_broker_to_the_consumer_and_its_grain_call()
    {
        _system.StartTodoConsumer();
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartSiloAsync();
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register") { Content = JsonContent.Create(new { email = ApiClient.NewEmail(), password = "a good password" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var registered = (await (await http.SendAsync(request)).Content.ReadFromJsonAsync<AuthApi.Features.Register.Response>())!;

        var consume = await Eventually.ReturnsAsync(
            () => Task.FromResult(_finished.FirstOrDefault(a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer)),
            activity => activity is not null,
            "a consumer span in the registration's trace");
        var register = Assert.Single(_finished, a => a.TraceId == traceId && a.OperationName == "register user");
        // The relay runs in the silo (another process), which records no spans while no exporter is configured:
        // it passes the registration's span context stored with the outbox row on in the message's traceparent,
        // so the consumer's span is the child of the registering span, in the same trace.
        Assert.Equal(register.SpanId, consume!.ParentSpanId);
        Assert.Equal(registered.EventId.ToString(), consume.GetTagItem("messaging.message.id"));
        Assert.Equal(registered.UserId.ToString(), register.GetTagItem("user.id"));
        // The consumer's call to the user's grain is the consume span's child: Orleans carries the trace to the silo.
        var grainCall = await Eventually.ReturnsAsync(
            () => Task.FromResult(_finished.FirstOrDefault(a => a.Source.Name == OrleansCalls && a.ParentSpanId == consume.SpanId)),
            activity => activity is not null,
            "the consumer's grain call in the registration's trace");
        Assert.Equal(traceId, grainCall!.TraceId);
        Assert.Contains("IUserGrain", grainCall.DisplayName, StringComparison.Ordinal);
        var stored = await _system.AuthScalarAsync<string>("SELECT headers->>'traceparent' FROM outbox WHERE event_id = @id", new { id = registered.EventId });
        Assert.Contains(traceId.ToString(), stored, StringComparison.Ordinal);
    }
}
