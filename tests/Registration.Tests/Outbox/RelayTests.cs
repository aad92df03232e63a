using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Messaging.Outbox;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Outbox;

/// <summary>The outbox relay against a real broker: confirms, refusals, outages and a relay dying mid-publish.</summary>
public sealed class RelayTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Registration_succeeds_while_broker_is_down_and_is_delivered_when_it_returns()
    {
        _system.StartTodoConsumer();
        var http = _system.StartAuthApi().CreateClient(); // first: it creates the schema the relays need
        var silo = await _system.StartRelayingSiloAsync();

        _system.BrokerProxy.Cut();
        var registered = await http.RegisterOkAsync();

        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE id = @id", new { id = registered.UserId }));
        await Task.Delay(TimeSpan.FromSeconds(1)); // the relay gets its chance to (wrongly) mark it while the broker is away
        Assert.Equal("PENDING", await OutboxStatusAsync(registered.EventId));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        using var siloHttp = new HttpClient { BaseAddress = silo.Address };
        await Eventually.TrueAsync(
            async () => (await siloHttp.GetStringAsync("/health/ready")).Contains("disconnected", StringComparison.Ordinal), "the silo's readiness to report the broker loss");

        _system.BrokerProxy.Restore();
        await Eventually.ReturnsAsync(() => OutboxStatusAsync(registered.EventId), s => s == "SENT", "the outbox row to be SENT after the broker returned", TimeSpan.FromSeconds(10));
        await Eventually.ReturnsAsync(() => WelcomeTodosAsync(registered.UserId), n => n == 1, "one welcome todo after the broker returned", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Unroutable_message_stays_pending_with_the_error_until_it_can_be_routed()
    {
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartRelayingSiloAsync();
        await _system.RouteAsync(Topology.UserRegisteredRoutingKey, bind: false);

        var registered = await http.RegisterOkAsync();

        var failed = await Eventually.ReturnsAsync(
            () => RowAsync(registered.EventId),
            row => row.Attempts >= 1,
            "a failed publish attempt to be recorded on the row");
        Assert.Equal("PENDING", failed.Status);
        Assert.Contains("returned by the broker", failed.LastError, StringComparison.Ordinal);
        Assert.Null(failed.SentAt);
        Assert.True(failed.NextAttemptAt > failed.CreatedAt, "a failed row gets a later next attempt");

        await _system.RouteAsync(Topology.UserRegisteredRoutingKey, bind: true);
        await Eventually.ReturnsAsync(() => OutboxStatusAsync(registered.EventId), s => s == "SENT", "the row to be SENT once the queue is bound again");
        Assert.Equal(1u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue));
    }

    [Fact]
    public async Task Message_nacked_by_the_broker_stays_pending_with_the_error()
    {
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartRelayingSiloAsync();
        // A quorum queue that is full and set to reject-publish makes the broker nack new messages.
        await RabbitManagement.SetPolicyAsync(_system.VirtualHost, "full", "^user_registered_queue$", new Dictionary<string, object> { ["max-length"] = 0, ["overflow"] = "reject-publish" });
        await Eventually.ReturnsAsync(
            () => RabbitManagement.EffectivePolicyAsync(_system.VirtualHost, Topology.UserRegisteredQueue),
            policy => policy.Contains("reject-publish", StringComparison.Ordinal),
            "the max-length policy to apply to the queue");
        await using (var broker = await _system.ConnectBrokerAsync())
        await using (var channel = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(1)))
        {
            await channel.BasicPublishAsync(Topology.Exchange, Topology.UserRegisteredRoutingKey, mandatory: true, new RabbitMQ.Client.BasicProperties(), Encoding.UTF8.GetBytes("filler"));
        }

        var registered = await http.RegisterOkAsync();

        var failed = await Eventually.ReturnsAsync(() => RowAsync(registered.EventId), row => row.Attempts >= 1, "a nacked publish to be recorded on the row");
        Assert.Equal("PENDING", failed.Status);
        Assert.Contains("nacked", failed.LastError, StringComparison.Ordinal);

        // Room again: a higher limit, and the backlog consumed (a quorum queue re-opens on dequeue).
        await RabbitManagement.SetPolicyAsync(_system.VirtualHost, "full", "^user_registered_queue$", new Dictionary<string, object> { ["max-length"] = 1000, ["overflow"] = "reject-publish" });
        await Eventually.ReturnsAsync(
            () => RabbitManagement.EffectivePolicyAsync(_system.VirtualHost, Topology.UserRegisteredQueue),
            policy => policy.Contains("1000", StringComparison.Ordinal),
            "the higher limit to apply");
        await _system.DrainAsync(Topology.UserRegisteredQueue);
        await Eventually.ReturnsAsync(() => RowAsync(registered.EventId), row => row.Status == "SENT", "the row to be SENT once the broker accepts it", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Failure_between_the_two_inserts_leaves_neither_row_and_publishes_nothing()
    {
        var audit = await _system.BindAuditQueueAsync();
        var http = _system.StartAuthApi().CreateClient();
        await _system.StartRelayingSiloAsync();
        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
                CREATE TRIGGER fail_outbox BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fail_outbox();
                """;
            await command.ExecuteNonQueryAsync();
        }

        var response = await http.RegisterAsync("half.written@example.com", "grey stapler orbit");

        await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox"));

        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "DROP TRIGGER fail_outbox ON outbox";
            await command.ExecuteNonQueryAsync();
        }

        var later = await http.RegisterOkAsync();
        await Eventually.ReturnsAsync(() => OutboxStatusAsync(later.EventId), s => s == "SENT", "the later registration to be relayed");
        var published = await _system.DrainAsync(audit);
        Assert.Equal([later.EventId.ToString()], published.Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task Relay_dying_after_the_confirm_but_before_SENT_publishes_again_and_the_consumer_absorbs_it()
    {
        var audit = await _system.BindAuditQueueAsync();
        using var consumed = new MetricsProbe(_system.StartTodoConsumer().Services);
        var authHost = _system.StartAuthApi(); // no silo runs yet: nothing relays
        var registered = await authHost.CreateClient().RegisterOkAsync();

        // A relay that takes the partition's epoch, claims the row, publishes it and gets the broker's ack, then dies
        // before it marks the row SENT.
        var partition = await _system.AuthScalarAsync<short>("SELECT partition FROM outbox WHERE event_id = @eventId", new { eventId = registered.EventId });
        var epoch = await _system.AuthScalarAsync<long>(
            "INSERT INTO outbox_epochs (partition, epoch) VALUES (@partition, 1) ON CONFLICT (partition) DO UPDATE SET epoch = outbox_epochs.epoch + 1 RETURNING epoch",
            new { partition });
        await using (var broker = await _system.ConnectBrokerAsync())
        await using (var channel = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(10)))
        {
            var rows = await OutboxStore.ClaimAsync(_system.AuthDb, new EpochFence(partition, epoch), 10, CancellationToken.None);
            Assert.NotNull(rows);
            var (confirmed, failed) = await OutboxPublisher.PublishAsync(channel, rows, TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.Equal([registered.EventId], rows.Select(r => r.EventId));
            Assert.Single(confirmed);
            Assert.Empty(failed);
        } // never marked: what a killed process leaves behind

        Assert.Equal("PENDING", await OutboxStatusAsync(registered.EventId));
        Assert.Equal(1u, await _system.QueueDepthAsync(Topology.UserRegisteredQueue)); // the first copy waits for a user grain

        await _system.StartSiloAsync(); // a healthy relay takes over, and the users' grains apply both copies
        await Eventually.ReturnsAsync(() => OutboxStatusAsync(registered.EventId), s => s == "SENT", "the surviving relay to publish the row again and mark it SENT");
        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate")),
            n => n == 1,
            "the consumer to absorb one of the two copies as a duplicate");
        Assert.Equal(1L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "applied"));

        var published = await _system.DrainAsync(audit);
        Assert.Equal(2, published.Count(m => m.BasicProperties.MessageId == registered.EventId.ToString()));
        Assert.Equal(1L, await WelcomeTodosAsync(registered.UserId));
    }

    [Fact]
    public async Task Two_silos_relaying_one_database_publish_every_row_and_mark_it_SENT()
    {
        var audit = await _system.BindAuditQueueAsync();
        await Task.WhenAll(_system.StartSiloAsync(("Outbox:BatchSize", "5")), _system.StartSiloAsync(("Outbox:BatchSize", "5")));
        var http = _system.StartAuthApi().CreateClient();

        var events = new List<Guid>();
        foreach (var chunk in Enumerable.Range(0, 40).Chunk(8))
        {
            var registered = await Task.WhenAll(chunk.Select(_ => http.RegisterOkAsync()));
            events.AddRange(registered.Select(r => r.EventId));
        }

        await Eventually.ReturnsAsync(() => _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0, "all rows SENT");
        // At least once: while the partitions settle over the two silos a moving partition's relay may publish a
        // confirmed row again (the consumer absorbs it); every row is published, and nothing else is.
        var published = await _system.DrainAsync(audit);
        Assert.Equal(events.Order(), published.Select(m => Guid.Parse(m.BasicProperties.MessageId!)).Distinct().Order());
    }

    [Fact]
    public async Task Published_message_carries_the_contract_properties_and_headers()
    {
        var audit = await _system.BindAuditQueueAsync();
        await _system.StartSiloAsync();
        var http = _system.StartAuthApi().CreateClient();
        var response = await http.RegisterAsync(ApiClient.NewEmail(), "grey stapler orbit", correlationId: "trace-me-1");
        var registered = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<AuthApi.Features.Register.Response>(response.Content))!;

        await Eventually.ReturnsAsync(() => OutboxStatusAsync(registered.EventId), s => s == "SENT", "the row to be SENT");
        var message = Assert.Single(await _system.DrainAsync(audit));

        Assert.Equal(registered.EventId.ToString(), message.BasicProperties.MessageId);
        Assert.Equal("USER_REGISTERED", message.BasicProperties.Type);
        Assert.Equal("application/json", message.BasicProperties.ContentType);
        Assert.True(message.BasicProperties.Persistent);
        Assert.Equal(Topology.UserRegisteredRoutingKey, message.RoutingKey);
        Assert.Equal("trace-me-1", Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["x-correlation-id"]!));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[0-3]$", Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers["traceparent"]!));
        Assert.DoesNotContain("grey stapler orbit", Encoding.UTF8.GetString(message.Body.Span), StringComparison.Ordinal);
    }

    private Task<string> OutboxStatusAsync(Guid eventId) =>
        _system.AuthScalarAsync<string>("SELECT status FROM outbox WHERE event_id = @eventId", new { eventId });

    private Task<long> WelcomeTodosAsync(Guid userId) =>
        _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId AND title = 'Welcome to the App'", new { userId });

    private async Task<OutboxRowState> RowAsync(Guid eventId)
    {
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        return await Dapper.SqlMapper.QuerySingleAsync<OutboxRowState>(connection,
            "SELECT status, attempts, last_error AS LastError, sent_at AS SentAt, next_attempt_at AS NextAttemptAt, created_at AS CreatedAt FROM outbox WHERE event_id = @eventId",
            new { eventId });
    }

    private sealed record OutboxRowState(string Status, int Attempts, string? LastError, DateTime? SentAt, DateTime NextAttemptAt, DateTime CreatedAt)
    {
        public override string ToString() => $"{Status}, attempts {Attempts}, error '{LastError}'";
    }
}
