using Dapper;
using Registration.Tests.Dashboard;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Retention;

/// <summary>What retention deleted, as the admin read models (and so the dashboard) show it: cluster-wide totals from the databases.</summary>
public sealed class RetentionReadModelTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Outbox_view_shows_the_rows_deleted_by_every_partition_and_the_age_of_the_oldest_sent_row()
    {
        var admin = _system.StartAuthApi(TestAdmin.Settings).CreateClient().WithAdminKey();
        var before = (await admin.GetJsonAsync("/api/v1/admin/outbox")).GetProperty("retention");
        Assert.Equal(0, before.Long("deleted"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, before.GetProperty("oldestSentAgeSeconds").ValueKind);

        await using (var connection = await _system.AuthDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO outbox_retention (partition, deleted, last_deleted_at) VALUES (1, 5, now()), (2, 7, now());
                INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload, status, sent_at)
                VALUES (gen_random_uuid(), 'USER_REGISTERED', gen_random_uuid(), 0, '{}'::json, 'SENT', now() - interval '6 days');
                """);
        }

        var retention = (await admin.GetJsonAsync("/api/v1/admin/outbox")).GetProperty("retention");
        Assert.Equal(12, retention.Long("deleted"));
        Assert.InRange(retention.GetProperty("oldestSentAgeSeconds").GetDouble(), 6 * 86400, 6 * 86400 + 60);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, retention.GetProperty("lastDeletedAt").ValueKind);
    }

    [Fact]
    public async Task Consumer_view_shows_the_dedup_keys_deleted_and_the_age_of_the_oldest_key()
    {
        var admin = _system.StartTodoConsumer(TestAdmin.Settings).CreateClient().WithAdminKey();
        await using (var connection = await _system.TodoDb.OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO processed_events_retention (id, deleted, last_deleted_at) VALUES (1, 42, now());
                INSERT INTO processed_events (event_id, event_type, user_id, occurred_at, processed_at, sequence)
                VALUES (gen_random_uuid(), 'USER_REGISTERED', gen_random_uuid(), now() - interval '13 days', now() - interval '13 days', 1);
                """);
        }

        var keys = (await admin.GetJsonAsync("/api/v1/admin/consumer")).GetProperty("cluster").GetProperty("dedupKeys");
        Assert.Equal(42, keys.Long("deleted"));
        Assert.InRange(keys.GetProperty("oldestKeyAgeSeconds").GetDouble(), 13 * 86400, 13 * 86400 + 60);
    }
}
