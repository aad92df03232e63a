using System.Net;
using System.Text;
using System.Text.Json;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>The dead-letter admin endpoints of TodoConsumer against a real broker: list without loss, replay, replay all, discard.</summary>
public sealed class DeadLetterAdminApiTests : IAsyncLifetime
{
    private const string Path = "/api/v1/admin/dead-letters";
    private TestSystem _system = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await _system.StartSiloAsync();
        _admin = _system.StartTodoConsumer(TestAdmin.Settings).CreateClient().WithAdminKey();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Poison_messages_are_listed_with_reason_and_body_and_stay_in_the_queue()
    {
        const string notJson = "this is not json";
        await _system.PublishAsync(TestEvents.Utf8(notJson), TestEvents.Utf8("""{"eventId":"0b7c0c52-5e3a-4a8e-9d7a-3c1f5a0b9e11","eventType":"USER_DELETED"}"""));

        var listing = await Eventually.ReturnsAsync(
            () => _admin.GetJsonAsync(Path), l => l.Long("depth") == 2, "both poison messages dead-lettered");
        var items = listing.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        var garbage = items.Single(i => i.GetProperty("bodyPreview").GetString() == notJson);
        Assert.Equal("body-hash", garbage.GetProperty("idSource").GetString());
        Assert.StartsWith("sha256-", garbage.GetProperty("eventId").GetString(), StringComparison.Ordinal);
        Assert.Contains("not a valid JSON document", garbage.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, garbage.Long("attempts"));
        Assert.True(garbage.GetProperty("deadLetteredAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        var unknownType = items.Single(i => i.GetProperty("idSource").GetString() == "body");
        Assert.Equal("0b7c0c52-5e3a-4a8e-9d7a-3c1f5a0b9e11", unknownType.GetProperty("eventId").GetString());
        Assert.Contains("unknown event type 'USER_DELETED'", unknownType.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Listing takes nothing away, in the same order, however often it is done.
        for (var i = 0; i < 3; i++)
        {
            var again = await _admin.GetJsonAsync(Path);
            Assert.Equal(items.Select(Id), again.GetProperty("items").EnumerateArray().Select(Id));
        }

        Assert.Equal(2u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        var limited = await _admin.GetJsonAsync($"{Path}?limit=1");
        Assert.Single(limited.GetProperty("items").EnumerateArray());
        Assert.Equal(2, limited.Long("depth"));
        await (await _admin.GetAsync($"{Path}?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Replay_of_a_message_that_is_now_valid_creates_the_todo_and_takes_it_out_of_the_queue()
    {
        var (eventId, userId) = (Guid.NewGuid(), Guid.NewGuid());
        var audit = await _system.BindAuditQueueAsync();
        await _system.PublishDeadLetterAsync(TestEvents.UserRegisteredBody(eventId, userId), eventId.ToString());
        var listed = await Eventually.ReturnsAsync(() => _admin.GetJsonAsync(Path), l => l.Long("depth") == 1, "the dead letter listed");
        var item = listed.GetProperty("items")[0];
        Assert.Equal(eventId.ToString(), Id(item));
        Assert.Equal("message_id", item.GetProperty("idSource").GetString());
        Assert.Equal("failed 5 times, last: a bug since fixed", item.GetProperty("reason").GetString());
        Assert.Equal(5, item.Long("attempts"));
        Assert.Equal(TestDeadLetters.CorrelationId, item.GetProperty("correlationId").GetString());

        var response = await _admin.PostAsync($"{Path}/{eventId}/replay", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(1, result.Long("replayed"));
        Assert.Equal(0, result.Long("remaining"));
        await Eventually.ReturnsAsync(() => _system.WelcomeTodosAsync(userId), n => n == 1, "the replayed event to create the welcome todo");
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        Assert.Equal(0, (await _admin.GetJsonAsync(Path)).GetProperty("items").GetArrayLength());

        // (The welcome todo's TODO_CREATED is on the exchange too.)
        var replayed = Assert.Single(await _system.DrainAsync(audit), m => m.RoutingKey == Topology.UserRegisteredRoutingKey);
        Assert.Equal(eventId.ToString(), replayed.BasicProperties.MessageId);
        var headers = replayed.BasicProperties.Headers!;
        Assert.Equal(TestDeadLetters.CorrelationId, Encoding.UTF8.GetString((byte[])headers[MessageHeaders.CorrelationId]!));
        Assert.DoesNotContain(headers.Keys, k => k.StartsWith("x-dead-letter", StringComparison.Ordinal) || k == MessageHeaders.DeliveryAttempts);
        Assert.True(headers.ContainsKey("x-replayed-at"));
    }

    [Fact]
    public async Task Replay_all_republishes_every_dead_letter()
    {
        var users = Enumerable.Range(0, 3).Select(_ => (EventId: Guid.NewGuid(), UserId: Guid.NewGuid())).ToList();
        foreach (var (eventId, userId) in users)
        {
            await _system.PublishDeadLetterAsync(TestEvents.UserRegisteredBody(eventId, userId), eventId.ToString());
        }

        await Eventually.ReturnsAsync(() => _admin.GetJsonAsync(Path), l => l.Long("depth") == 3, "three dead letters listed");

        var response = await _admin.PostAsync($"{Path}/replay-all", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Long("replayed"));
        foreach (var (_, userId) in users)
        {
            await Eventually.ReturnsAsync(() => _system.WelcomeTodosAsync(userId), n => n == 1, "each replayed event to create its todo");
        }

        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    [Fact]
    public async Task Discard_removes_only_that_message_and_unknown_ids_are_404()
    {
        var keep = Guid.NewGuid();
        await _system.PublishDeadLetterAsync(TestEvents.Utf8("garbage"), "poison-1");
        await _system.PublishDeadLetterAsync(TestEvents.UserRegisteredBody(keep, Guid.NewGuid()), keep.ToString());
        await Eventually.ReturnsAsync(() => _admin.GetJsonAsync(Path), l => l.Long("depth") == 2, "two dead letters listed");

        var response = await _admin.DeleteAsync($"{Path}/poison-1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Long("discarded"));
        var left = await _admin.GetJsonAsync(Path);
        Assert.Equal([keep.ToString()], left.GetProperty("items").EnumerateArray().Select(Id));
        Assert.Equal(1u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));

        await (await _admin.DeleteAsync($"{Path}/poison-1")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _admin.PostAsync($"{Path}/{Guid.NewGuid()}/replay", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
    }

    private static string Id(JsonElement item) => item.GetProperty("eventId").GetString()!;
}
