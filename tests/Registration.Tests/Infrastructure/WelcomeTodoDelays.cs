using AuthApi.Features;
using Dapper;
using Xunit.Abstractions;

namespace Registration.Tests.Infrastructure;

/// <summary>How long registrations waited for their welcome todos while a silo failed.</summary>
public static class WelcomeTodoDelays
{
    /// <summary>
    /// Every registration's event was SENT at most <paramref name="bound"/> after its commit or after the failed silo was
    /// declared dead, whichever came later (the relay's bound), and has exactly one welcome todo, created within that
    /// bound plus TodoConsumer's grain-call timeout (a consumer call caught by the failed silo is retried after it).
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
        await Eventually.ReturnsAsync(() => system.AuthScalarAsync<long>("SELECT count(*) FROM outbox WHERE status = 'PENDING'"), n => n == 0, "every event SENT");

        var events = registered.Select(r => r.EventId).ToArray();
        await using var auth = await system.AuthDb.OpenConnectionAsync();
        var rows = (await auth.QueryAsync<(Guid EventId, DateTime Committed, DateTime Sent)>(
            "SELECT event_id, created_at, sent_at FROM outbox WHERE event_id = ANY(@events)", new { events })).ToDictionary(r => r.EventId);
        await using var todo = await system.TodoDb.OpenConnectionAsync();
        var created = (await todo.QueryAsync<(Guid EventId, DateTime At)>(
            "SELECT source_event_id, created_at FROM todos WHERE source_event_id = ANY(@events)", new { events })).ToDictionary(r => r.EventId, r => r.At);

        DateTime From(Guid e) => rows[e].Committed > deadAt ? rows[e].Committed : deadAt;
        var gaps = events.Select(e => (created[e] - rows[e].Committed).TotalSeconds).Order().ToList();
        var summary = $"{what}; {events.Length} registrations, commit → welcome todo p50 {gaps[gaps.Count / 2]:0.00} s, p99 {gaps[gaps.Count * 99 / 100]:0.00} s, max {gaps[^1]:0.00} s";
        output.WriteLine(summary);
        AssertNoneLate(events.Select(e => (rows[e].Committed, Late: rows[e].Sent - From(e))), bound, "events SENT", summary);
        AssertNoneLate(events.Select(e => (rows[e].Committed, Late: created[e] - From(e))), bound + TodoConsumer.Extensions.ConsumerResponseTimeout, "welcome todos", summary);
    }

    private static void AssertNoneLate(IEnumerable<(DateTime Committed, TimeSpan Late)> delays, TimeSpan bound, string what, string summary)
    {
        var all = delays.ToList();
        var late = all.Where(d => d.Late > bound).OrderByDescending(d => d.Late).ToList();
        Assert.True(late.Count == 0,
            $"{late.Count} of {all.Count} {what} later than {bound.TotalSeconds:0} s after their commit or the detection; " +
            $"worst: {string.Join(", ", late.Take(5).Select(l => $"committed {l.Committed:HH:mm:ss.fff}, {l.Late.TotalSeconds:0.0} s late"))} ({summary})");
    }
}
