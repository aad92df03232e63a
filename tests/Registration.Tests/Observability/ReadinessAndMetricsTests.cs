using System.Net;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

public sealed class ReadinessAndMetricsTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Readiness_fails_with_the_reason_while_the_oldest_pending_event_is_too_old_and_recovers()
    {
        var http = _system.StartAuthApi(("Outbox:RelayEnabled", "false"), ("Outbox:MaxPendingAge", "00:00:01")).CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        await http.RegisterOkAsync();

        var unready = await Eventually.ReturnsAsync(
            () => http.GetAsync("/health/ready"),
            response => response.StatusCode == HttpStatusCode.ServiceUnavailable,
            "readiness to fail once the PENDING event is older than 1 s");
        var body = await unready.Content.ReadAsStringAsync();
        Assert.Contains("the oldest PENDING outbox event is", body, StringComparison.Ordinal);
        Assert.Contains("\"pending\":1", body, StringComparison.Ordinal);

        using var metrics = new MetricsProbe(_system.StartAuthApi(("Outbox:MaxPendingAge", "00:00:01")).Services); // a relay drains it
        await Eventually.ReturnsAsync(() => http.GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK, "readiness to recover once the relay sent the event");
        await Eventually.ReturnsAsync(() => Task.FromResult(metrics.Sum("registration.outbox.published", "")), n => n >= 1, "the published counter of the relay");
    }
}
