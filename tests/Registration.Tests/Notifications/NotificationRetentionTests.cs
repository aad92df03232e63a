using Microsoft.Extensions.Options;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Notifications;

/// <summary>Notifications older than Notifications:Retention are deleted; a retention shorter than a duplicate's life refuses to start.</summary>
public sealed class NotificationRetentionTests : IAsyncLifetime
{
    private static readonly (string Key, string? Value)[] ShortWindows =
    [
        ("Outbox:Retention", "00:00:01"),
        ("Consumer:MaxMessageAge", "00:01:00"),
        ("Consumer:DedupWindow", "00:02:00"),
        ("Notifications:Retention", "00:02:00"),
        ("Notifications:CleanupInterval", "00:00:00.200"),
    ];

    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Notifications_older_than_the_retention_are_deleted_and_newer_ones_kept()
    {
        await _system.StartSiloAsync(ShortWindows);
        _system.StartNotifications(ShortWindows);
        var userId = Guid.NewGuid();
        await _system.PublishAsync(NotificationEvents.Registered(Guid.NewGuid(), userId));
        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, "the welcome notification");
        await _system.NotifyScalarAsync<long>(
            """
            WITH old AS (
                INSERT INTO notifications (user_id, event_id, event_type, kind, text, occurred_at, created_at)
                SELECT @userId, gen_random_uuid(), 'TODO_CREATED', 'todo.created', 'Todo "old" created.', now() - interval '1 day', now() - interval '1 day'
                FROM generate_series(1, 25)
                RETURNING id)
            SELECT count(*) FROM old
            """,
            new { userId });

        await Eventually.ReturnsAsync(() => _system.NotificationsAsync(userId), n => n == 1, "the old notifications deleted, the recent one kept", TimeSpan.FromSeconds(30));
        Assert.Equal("welcome", await _system.NotifyScalarAsync<string>("SELECT kind FROM notifications WHERE user_id = @userId", new { userId }));
    }

    [Theory]
    [InlineData("12.00:00:00")] // 7 days + 5 days: equal is not longer
    [InlineData("1.00:00:00")]
    public void Notification_service_refuses_to_start_with_a_retention_a_duplicate_could_outlive(string retention)
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartNotifications(("Notifications:Retention", retention)));

        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"expected an OptionsValidationException, got: {error}");
        Assert.Contains(
            $"Notifications:Retention ({TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture)}) must be longer than Outbox:Retention (7.00:00:00) + Consumer:MaxMessageAge (5.00:00:00)",
            validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_refuses_to_start_with_a_notification_retention_a_duplicate_could_outlive()
    {
        var settings = _system.SiloSettings();
        settings["Notifications:Retention"] = "3.00:00:00";
        await using var silo = ServiceProcess.StartSilo(settings);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitReadyAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("Notifications:Retention (3.00:00:00) must be longer than Outbox:Retention", failure.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
