using Microsoft.Extensions.DependencyInjection;
using Orleans.Metadata;
using Orleans.Runtime;
using Registration.Contracts;
using Registration.Grains;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Grains;

/// <summary>Users' grains on a two-silo cluster against a real todo database: each event applied exactly once, in order.</summary>
public sealed class UserGrainTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private RelayCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await _system.MigrateServiceDatabasesAsync();
        _cluster = await RelayCluster.StartAsync(_system);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public void A_users_grain_is_placed_where_it_is_first_called_and_collected_after_two_idle_minutes()
    {
        var manifest = _cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IClusterManifestProvider>().Current;
        var properties = manifest.AllGrainManifests.SelectMany(silo => silo.Grains.Values).First(grain =>
            grain.Properties.GetValueOrDefault(WellKnownGrainTypeProperties.FullTypeName) == typeof(Registration.Grains.Users.UserGrain).FullName).Properties;

        Assert.Equal(TimeSpan.FromMinutes(2), TimeSpan.Parse(properties[WellKnownGrainTypeProperties.IdleDeactivationPeriod]));
        Assert.Equal(nameof(Orleans.Runtime.PreferLocalPlacement), properties[WellKnownGrainTypeProperties.PlacementStrategy]);
    }

    [Fact]
    public async Task Same_event_twice_creates_one_welcome_todo()
    {
        var registered = Event(Guid.NewGuid(), sequence: 1);
        var user = _cluster.Grains.GetGrain<IUserGrain>(registered.Data.UserId);

        Assert.Equal(MessageOutcome.Applied, await user.ApplyUserRegisteredAsync(registered));
        Assert.Equal(MessageOutcome.Duplicate, await user.ApplyUserRegisteredAsync(registered));

        var todo = Assert.Single(await user.ListTodosAsync(100, null));
        Assert.Equal(Todo.WelcomeTitle, todo.Title);
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = registered.EventId }));
    }

    [Fact]
    public async Task Same_event_many_times_at_once_creates_one_welcome_todo()
    {
        var registered = Event(Guid.NewGuid(), sequence: 1);

        // Through the grain from both silos' clients at once.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            _cluster.Cluster.Silos[i % 2].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IUserGrain>(registered.Data.UserId).ApplyUserRegisteredAsync(registered)));

        Assert.Equal(1, outcomes.Count(o => o == MessageOutcome.Applied));
        Assert.Equal(15, outcomes.Count(o => o == MessageOutcome.Duplicate));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user = registered.Data.UserId }));
    }

    [Fact]
    public async Task Event_older_than_the_last_applied_is_recorded_stale_and_creates_nothing()
    {
        var userId = Guid.NewGuid();
        var (older, newer) = (Event(userId, sequence: 1), Event(userId, sequence: 2));
        var user = _cluster.Grains.GetGrain<IUserGrain>(userId);

        Assert.Equal(MessageOutcome.Applied, await user.ApplyUserRegisteredAsync(newer));
        Assert.Equal(MessageOutcome.Stale, await user.ApplyUserRegisteredAsync(older));

        Assert.Single(await user.ListTodosAsync(100, null));
        Assert.Equal("stale", await _system.TodoScalarAsync<string>("SELECT outcome FROM processed_events WHERE event_id = @id", new { id = older.EventId }));
    }

    [Fact]
    public async Task Event_never_applied_and_older_than_the_max_message_age_is_expired_and_leaves_nothing()
    {
        // The silos run with Consumer:MaxMessageAge's default, 5 days.
        var old = Event(Guid.NewGuid(), sequence: 1) with { OccurredAt = DateTimeOffset.UtcNow.AddDays(-6) };
        var user = _cluster.Grains.GetGrain<IUserGrain>(old.Data.UserId);

        Assert.Equal(MessageOutcome.Expired, await user.ApplyUserRegisteredAsync(old));
        Assert.Equal(MessageOutcome.Expired, await user.ApplyUserRegisteredAsync(old));

        Assert.Empty(await user.ListTodosAsync(100, null));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = old.EventId }));
    }

    [Fact]
    public async Task Event_of_another_user_is_refused_and_changes_nothing()
    {
        var registered = Event(Guid.NewGuid(), sequence: 1);

        await Assert.ThrowsAsync<ArgumentException>(() => _cluster.Grains.GetGrain<IUserGrain>(Guid.NewGuid()).ApplyUserRegisteredAsync(registered));

        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events"));
    }

    [Fact]
    public async Task A_user_reads_and_changes_only_their_own_todos()
    {
        var (alice, bob) = (_cluster.Grains.GetGrain<IUserGrain>(Guid.NewGuid()), _cluster.Grains.GetGrain<IUserGrain>(Guid.NewGuid()));
        var todo = await alice.CreateTodoAsync("Buy milk");

        Assert.Null(await bob.GetTodoAsync(todo.Id));
        Assert.Null(await bob.UpdateTodoAsync(todo.Id, "mine now", completed: true));
        Assert.False(await bob.DeleteTodoAsync(todo.Id));
        Assert.Empty(await bob.ListTodosAsync(100, null));

        var updated = await alice.UpdateTodoAsync(todo.Id, title: null, completed: true);
        Assert.Equal(("Buy milk", true), (updated!.Title, updated.Completed));
        Assert.True(await alice.DeleteTodoAsync(todo.Id));
        Assert.Null(await alice.GetTodoAsync(todo.Id));
    }

    private static UserRegistered Event(Guid user, long sequence) =>
        UserRegistered.Create(Guid.NewGuid(), DateTimeOffset.UtcNow, "grain-test", user, $"{user:N}@example.com", sequence);
}
