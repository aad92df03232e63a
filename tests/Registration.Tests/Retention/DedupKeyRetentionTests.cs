using Dapper;
using Registration.Contracts;
using Registration.Grains;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Grains;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Retention;

/// <summary>
/// The cluster's one cleaner deletes processed_events keys past Consumer:DedupWindow (here 5 minutes; keys are
/// back-dated with SQL), never a todo, and a key inside the window still absorbs its duplicate.
/// </summary>
public sealed class DedupKeyRetentionTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private RelayCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await _system.MigrateServiceDatabasesAsync();
        _cluster = await RelayCluster.StartAsync(
            _system,
            silos: 1,
            ("Outbox:Retention", "00:01:00"),
            ("Consumer:MaxMessageAge", "00:01:00"),
            ("Consumer:DedupWindow", "00:05:00"),
            ("Consumer:DedupCleanupInterval", "00:00:00.200"),
            ("Consumer:DedupCleanupBatchSize", "5"));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Keys_past_the_window_are_deleted_todos_are_kept_and_a_duplicate_inside_the_window_creates_nothing()
    {
        using var metrics = new MetricsProbe(_cluster.Cluster.Silos[0].ServiceProvider);
        var old = Enumerable.Range(0, 12).Select(_ => Event()).ToList();
        foreach (var registered in old)
        {
            Assert.Equal(MessageOutcome.Applied, await Grain(registered).ApplyUserRegisteredAsync(registered));
        }

        var kept = Event();
        Assert.Equal(MessageOutcome.Applied, await Grain(kept).ApplyUserRegisteredAsync(kept));

        // One key inside the window (4 minutes old), the others past it (6 minutes old).
        await BackDateAsync([kept.EventId], TimeSpan.FromMinutes(4));
        await BackDateAsync([.. old.Select(e => e.EventId)], TimeSpan.FromMinutes(6));

        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = ANY(@ids)", new { ids = old.Select(e => e.EventId).ToArray() }),
            n => n == 0, "every key past the dedup window deleted", TimeSpan.FromSeconds(30));

        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = kept.EventId }));
        Assert.Equal(old.Count + 1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos"));
        Assert.Equal(old.Count, await _system.TodoScalarAsync<long>("SELECT deleted FROM processed_events_retention"));
        await Eventually.ReturnsAsync(
            () => Task.FromResult(metrics.Sum("registration.consumer.dedup_keys.deleted", "")), n => n == old.Count,
            "the deleted keys counted in registration.consumer.dedup_keys.deleted");

        // A copy of the event whose key is still inside the window: absorbed, no second todo.
        Assert.Equal(MessageOutcome.Duplicate, await Grain(kept).ApplyUserRegisteredAsync(kept));
        Assert.Single(await Grain(kept).ListTodosAsync(100, null));
    }

    private IUserGrain Grain(UserRegistered registered) => _cluster.Grains.GetGrain<IUserGrain>(registered.Data.UserId);

    private async Task BackDateAsync(Guid[] eventIds, TimeSpan age)
    {
        await using var connection = await _system.TodoDb.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "UPDATE processed_events SET processed_at = now() - @age WHERE event_id = ANY(@eventIds)", new { age, eventIds });
    }

    private static UserRegistered Event()
    {
        var user = Guid.NewGuid();
        return UserRegistered.Create(Guid.NewGuid(), DateTimeOffset.UtcNow, "retention-test", user, $"{user:N}@example.com", 1);
    }
}
