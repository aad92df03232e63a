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
    public async Task Silo_readiness_fails_with_the_reason_while_the_oldest_pending_event_is_too_old_and_recovers()
    {
        var http = _system.StartAuthApi().CreateClient();
        // A silo whose relay cannot reach the broker: the event stays PENDING and ages.
        _system.BrokerProxy.Cut();
        var silo = await _system.StartSiloAsync(("Outbox:MaxPendingAge", "00:00:01"));
        using var siloHttp = new HttpClient { BaseAddress = silo.Address };
        await http.RegisterOkAsync();

        var unready = await Eventually.ReturnsAsync(
            () => siloHttp.GetAsync("/health/ready"),
            response => response.StatusCode == HttpStatusCode.ServiceUnavailable,
            "the silo's readiness to fail once the PENDING event is older than 1 s");
        var body = await unready.Content.ReadAsStringAsync();
        Assert.Contains("the oldest PENDING event of the auth outbox is", body, StringComparison.Ordinal);
        Assert.Contains("\"pending\":1", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode); // registration is not affected

        _system.BrokerProxy.Restore();
        await Eventually.ReturnsAsync(() => siloHttp.GetAsync("/health/ready"), r => r.StatusCode == HttpStatusCode.OK, "readiness to recover once the relay sent the event", TimeSpan.FromSeconds(20));
    }
}
