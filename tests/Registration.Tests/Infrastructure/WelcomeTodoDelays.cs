using AuthApi.Features;
using Dapper;
using Xunit.Abstractions;

namespace Registration.Tests.Infrastructure;

/// <summary>How long registrations waited for their welcome todos while a silo failed.</summary>
public static class WelcomeTodoDelays
{
    /// <summary>
    /// Every registration has exactly one welcome todo, created at most <paramref name="bound"/> after its commit
    /// or after the failed silo was declared dead, whichever came later.
    /// </summary>
    public static async Task AssertWithinAsync(
        TestSystem system, ITestOutputHelper output, List<Register.Response> registered, DateTime deadAt, TimeSpan bound, string what)
    {
        await Eventually.ReturnsAsync(
            () => system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"),
            n => n >= registered.Count,
            $"one welcome todo for each of the {registered.Count} users",
            TimeSpan.FromSeconds(60));
        Assert.Equal((long)registered.Count, await system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE title = 'Welcome to the App'"));
        Assert.Equal((long)registered.Count, await system.TodoScalarAsync<long>("SELECT count(DISTINCT user_id) FROM todos"));

        var events = registered.Select(r => r.EventId).ToArray();
        await using var auth = await system.AuthDb.OpenConnectionAsync();
        var committed = (await auth.QueryAsync<(Guid EventId, DateTime At)>(
            "SELECT event_id, created_at FROM outbox WHERE event_id = ANY(@events)", new { events })).ToDictionary(r => r.EventId, r => r.At);
        await using var todo = await system.TodoDb.OpenConnectionAsync();
        var created = (await todo.QueryAsync<(Guid EventId, DateTime At)>(
            "SELECT source_event_id, created_at FROM todos WHERE source_event_id = ANY(@events)", new { events })).ToDictionary(r => r.EventId, r => r.At);

        var late = events
            .Select(e => (Event: e, Committed: committed[e], Late: created[e] - (committed[e] > deadAt ? committed[e] : deadAt)))
            .Where(e => e.Late > bound)
            .OrderByDescending(e => e.Late)
            .ToList();
        var gaps = events.Select(e => (created[e] - committed[e]).TotalSeconds).Order().ToList();
        output.WriteLine($"{what}; {events.Length} registrations, commit → welcome todo p50 {gaps[gaps.Count / 2]:0.00} s, p99 {gaps[gaps.Count * 99 / 100]:0.00} s, max {gaps[^1]:0.00} s");
        Assert.True(late.Count == 0,
            $"{late.Count} of {events.Length} welcome todos came later than {bound.TotalSeconds:0} s after their commit or the detection ({what}); " +
            $"worst: {string.Join(", ", late.Take(5).Select(l => $"committed {l.Committed:HH:mm:ss.fff}, {l.Late.TotalSeconds:0.0} s late"))}; " +
            $"commit → todo p50 {gaps[gaps.Count / 2]:0.00} s, max {gaps[^1]:0.00} s");
    }
}
