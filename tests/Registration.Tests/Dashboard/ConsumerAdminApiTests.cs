using System.Text.Json;
using Registration.Contracts;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

/// <summary>GET /api/v1/admin/consumer: cluster-wide numbers from the todo database, and per-instance counters.</summary>
public sealed class ConsumerAdminApiTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Consumer_view_counts_welcome_todos_latency_and_stale_events_and_each_instance_its_own_duplicates()
    {
        await _system.StartSiloAsync();
        var consumer = _system.StartTodoConsumer(TestAdmin.Settings).CreateClient().WithAdminKey();
        var httpOnly = _system.StartTodoConsumer(TestAdmin.With(("Consumer:Enabled", "false"))).CreateClient().WithAdminKey();
        var (first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var laterOfThird = Body(Guid.NewGuid(), third, sequence: 2);

        await _system.PublishAsync(Body(first, first), Body(second, second), laterOfThird);
        await Eventually.ReturnsAsync(
            () => consumer.GetJsonAsync("/api/v1/admin/consumer"),
            v => Cluster(v).Long("todosLastMinute") == 3,
            "three welcome todos counted");
        // A duplicate of an applied event, and an event older than the one applied for its user.
        await _system.PublishAsync(Body(first, first), Body(Guid.NewGuid(), third, sequence: 1));

        var view = await Eventually.ReturnsAsync(
            () => consumer.GetJsonAsync("/api/v1/admin/consumer"),
            // The database figures and the instance's counters are read one after the other: wait for both.
            v => Outcome(v, "duplicate") == 1 && Outcome(v, "stale") == 1 && Cluster(v).Long("staleTotal") == 1,
            "the duplicate and the stale event settled");
        var cluster = Cluster(view);
        Assert.Equal(3, cluster.Long("todosLastMinute"));
        Assert.Equal(0.05, cluster.GetProperty("todosPerSecond").GetDouble());
        Assert.Equal(1, cluster.Long("staleTotal"));
        var latency = cluster.GetProperty("commitToTodoLatencyMs");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0, 60_000);
        Assert.True(latency.GetProperty("p99").GetDouble() >= latency.GetProperty("p50").GetDouble());
        Assert.Equal(30, cluster.GetProperty("buckets").GetArrayLength());
        Assert.Equal(3, Outcome(view, "applied"));

        // The other instance gives the same cluster-wide numbers, but counted nothing itself.
        var other = await httpOnly.GetJsonAsync("/api/v1/admin/consumer");
        Assert.Equal(3, Cluster(other).Long("todosLastMinute"));
        Assert.Equal(1, Cluster(other).Long("staleTotal"));
        Assert.Equal(0, Outcome(other, "duplicate"));
        Assert.Equal(0, Outcome(other, "applied"));
        Assert.NotEqual(view.GetProperty("instance").GetProperty("instanceId").GetString(), other.GetProperty("instance").GetProperty("instanceId").GetString());

        await Eventually.ReturnsAsync(
            () => consumer.GetJsonAsync("/api/v1/admin/consumer"),
            v => Cluster(v).GetProperty("buckets").EnumerateArray().Sum(b => b.Long("todos")) == 3
                && Cluster(v).GetProperty("buckets").EnumerateArray().Sum(b => b.Long("stale")) == 1,
            "completed buckets to hold the three todos and the stale event",
            TimeSpan.FromSeconds(25));
    }

    private static byte[] Body(Guid eventId, Guid userId, long sequence = 1) =>
        JsonSerializer.SerializeToUtf8Bytes(
            UserRegistered.Create(eventId, DateTimeOffset.UtcNow, $"test-{eventId:N}", userId, $"{userId:N}@example.com", sequence),
            EventJson.Options);

    private static JsonElement Cluster(JsonElement view) => view.GetProperty("cluster");

    private static long Outcome(JsonElement view, string outcome) => view.GetProperty("instance").GetProperty("outcomes").Long(outcome);
}
