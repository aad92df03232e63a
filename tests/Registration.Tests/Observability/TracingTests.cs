using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Registration.ServiceDefaults.Telemetry;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

/// <summary>
/// One registration is one trace: HTTP request -> its transaction -> outbox row -> relay (silo) -> AMQP -> consumer ->
/// the user's grain (silo) -> the transaction that writes the welcome todo. AuthApi and TodoConsumer run in this
/// process and are listened to here; the silo is its own process and exports over OTLP to a collector of the test's.
/// </summary>
public sealed class TracingTests : IAsyncLifetime
{
    /// <summary>Orleans' ActivitySource of grain calls made by application code.</summary>
    private const string OrleansCalls = "Microsoft.Orleans.Application";
    private const string Npgsql = "Npgsql";
    private const string QueryText = "db.query.text";

    private readonly ConcurrentBag<Activity> _finished = [];
    private readonly ActivityListener _listener;
    private TestSystem _system = null!;
    private OtlpCollector _collector = null!;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is Tracing.SourceName or OrleansCalls or Npgsql,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _finished.Add,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _collector = await OtlpCollector.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _system.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task One_registration_is_one_trace_from_the_request_through_the_grains_and_the_broker_to_the_welcome_todos_transaction()
    {
        _system.StartTodoConsumer();
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartSiloAsync(_collector.ExporterSettings);
        var traceId = ActivityTraceId.CreateRandom();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register") { Content = JsonContent.Create(new { email = ApiClient.NewEmail(), password = "grey stapler orbit" }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        var registered = (await (await http.SendAsync(request)).Content.ReadFromJsonAsync<AuthApi.Features.Register.Response>())!;

        var register = Assert.Single(_finished, a => a.TraceId == traceId && a.OperationName == "register user");
        Assert.Equal(registered.UserId.ToString(), register.GetTagItem("user.id"));
        // The registering transaction's statements (users, outbox) are the register span's children.
        var registering = _finished.Where(a => a.Source.Name == Npgsql && a.ParentSpanId == register.SpanId).Select(a => a.GetTagItem(QueryText) as string).ToList();
        Assert.Contains(registering, sql => sql?.Contains("INSERT INTO users", StringComparison.Ordinal) == true);
        Assert.Contains(registering, sql => sql?.Contains("INSERT INTO outbox", StringComparison.Ordinal) == true);
        var stored = await _system.AuthScalarAsync<string>("SELECT headers->>'traceparent' FROM outbox WHERE event_id = @id", new { id = registered.EventId });
        Assert.Contains(traceId.ToString(), stored, StringComparison.Ordinal);

        // The silo's group commit of the welcome todo, and its statements, in the registration's trace.
        var commit = await Eventually.ReturnsAsync(
            () => Task.FromResult(_collector.Spans.FirstOrDefault(s => s.TraceId == traceId.ToString() && s.Name == "welcome todo commit")),
            span => span is not null,
            "the silo to export the welcome todo's transaction span in the registration's trace",
            TimeSpan.FromSeconds(30));
        var statements = await Eventually.ReturnsAsync(
            () => Task.FromResult(_collector.Spans.Where(s => s.Scope == Npgsql && s.ParentSpanId == commit!.SpanId).ToList()),
            spans => spans.Any(s => s.Attributes.GetValueOrDefault(QueryText)?.Contains("INSERT INTO todos", StringComparison.Ordinal) == true),
            "the welcome todo transaction's database spans, the todo's INSERT among them");
        Assert.All(statements, s => Assert.Equal(traceId.ToString(), s.TraceId));

        // From that transaction up to the registration, parent by parent, across the three processes.
        var chain = await Eventually.ReturnsAsync(
            () => Task.FromResult(Ancestors(commit!, traceId)),
            names => names.LastOrDefault() == $"{Tracing.SourceName}: register user",
            "every span between the welcome todo's transaction and the registering request",
            TimeSpan.FromSeconds(10));
        AssertInOrder(chain,
            $"{Tracing.SourceName}: welcome todo commit",
            $"{OrleansCalls}: .*IUserGrain.*", // the grain's side of the call, in the silo
            $"{OrleansCalls}: .*IUserGrain.*", // the consumer's side
            $"{Tracing.SourceName}: consume user_registered_queue",
            "RabbitMQ.Client.Publisher: publish .*",
            $"{Tracing.SourceName}: outbox publish",
            $"{Tracing.SourceName}: register user");
        var consume = Assert.Single(_finished, a => a.TraceId == traceId && a.Kind == ActivityKind.Consumer);
        Assert.Equal(registered.EventId.ToString(), consume.GetTagItem("messaging.message.id"));
    }

    /// <summary>"scope: name" of the span and each of its parents, found among this process's and the silo's spans.</summary>
    private List<string> Ancestors(ExportedSpan start, ActivityTraceId traceId)
    {
        var spans = _collector.Spans.Where(s => s.TraceId == traceId.ToString())
            .Select(s => (s.SpanId, s.ParentSpanId, Name: $"{s.Scope}: {s.Name}"))
            .Concat(_finished.Where(a => a.TraceId == traceId).Select(a => (SpanId: a.SpanId.ToString(), ParentSpanId: a.ParentSpanId.ToString(), Name: $"{a.Source.Name}: {a.DisplayName}")))
            .GroupBy(s => s.SpanId)
            .ToDictionary(g => g.Key, g => g.First());
        var chain = new List<string>();
        for (var id = start.SpanId; spans.TryGetValue(id, out var span); id = span.ParentSpanId)
        {
            chain.Add(span.Name);
        }

        return chain;
    }

    private static void AssertInOrder(List<string> chain, params string[] patterns)
    {
        var position = 0;
        foreach (var pattern in patterns)
        {
            while (position < chain.Count && !System.Text.RegularExpressions.Regex.IsMatch(chain[position], $"^{pattern}$"))
            {
                position++;
            }

            Assert.True(position < chain.Count, $"No span '{pattern}' in order in the chain:\n{string.Join("\n", chain)}");
            position++;
        }
    }
}
