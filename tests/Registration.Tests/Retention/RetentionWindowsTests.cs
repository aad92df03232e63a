using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Consuming;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Retention;

/// <summary>
/// The windows hold together: a service refuses to start when Consumer:DedupWindow is not longer than
/// Outbox:Retention + Consumer:MaxMessageAge; the consumer dead-letters an event older than Consumer:MaxMessageAge that
/// was never applied, and acks an old copy of an applied one as a duplicate.
/// </summary>
public sealed class RetentionWindowsTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Theory]
    [InlineData("12.00:00:00", null)] // 7 days + 5 days: equal is not longer
    [InlineData("10.00:00:00", null)]
    [InlineData("14.00:00:00", "10.00:00:00")] // the outbox kept longer than the defaults allow
    public void Todo_consumer_refuses_to_start_with_a_dedup_window_a_duplicate_could_outlive(string dedupWindow, string? retention)
    {
        (string, string?)[] settings = retention is null
            ? [("Consumer:DedupWindow", dedupWindow)]
            : [("Consumer:DedupWindow", dedupWindow), ("Outbox:Retention", retention)];
        var error = Assert.ThrowsAny<Exception>(() => _system.StartTodoConsumer(settings));

        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"expected an OptionsValidationException, got: {error}");
        Assert.Contains($"Consumer:DedupWindow ({TimeSpan.Parse(dedupWindow, System.Globalization.CultureInfo.InvariantCulture)}) must be longer than Outbox:Retention", validation.Message, StringComparison.Ordinal);
        Assert.Contains("Consumer:MaxMessageAge", validation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_refuses_to_start_with_a_dedup_window_a_duplicate_could_outlive()
    {
        var settings = _system.SiloSettings();
        settings["Consumer:DedupWindow"] = "7.00:00:00";
        await using var silo = ServiceProcess.StartSilo(settings);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitReadyAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("The silo exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Consumer:DedupWindow (7.00:00:00) must be longer than Outbox:Retention (7.00:00:00) + Consumer:MaxMessageAge (5.00:00:00)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_never_applied_and_older_than_the_max_message_age_is_dead_lettered_as_expired_and_a_recent_one_applied()
    {
        await _system.StartSiloAsync();
        using var consumed = new MetricsProbe(_system.StartTodoConsumer().Services);
        var (expired, recent) = ((EventId: Guid.NewGuid(), UserId: Guid.NewGuid()), (EventId: Guid.NewGuid(), UserId: Guid.NewGuid()));

        await _system.PublishAsync(Body(expired.EventId, expired.UserId, DateTimeOffset.UtcNow.AddDays(-6)), Body(recent.EventId, recent.UserId, DateTimeOffset.UtcNow));

        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = recent.EventId }),
            n => n == 1, "the recent event applied");
        var deadLetter = Assert.Single(await Eventually.ReturnsAsync(
            () => _system.DrainAsync(Topology.UserRegisteredDeadLetterQueue), letters => letters.Count > 0, "the expired event in the dead-letter queue"));
        Assert.Equal(expired.EventId.ToString(), JsonDocument.Parse(deadLetter.Body).RootElement.GetProperty("eventId").GetString());
        var reason = Encoding.UTF8.GetString((byte[])deadLetter.BasicProperties.Headers!["x-dead-letter-reason"]!);
        Assert.StartsWith("expired: ", reason, StringComparison.Ordinal);
        Assert.Contains("longer than Consumer:MaxMessageAge (5.00:00:00)", reason, StringComparison.Ordinal);
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @id", new { id = expired.UserId }));
        Assert.Equal(0L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", new { id = expired.EventId }));
        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "expired")), n => n == 1, "the dead letter counted as expired");
    }

    [Fact]
    public async Task An_old_copy_of_an_applied_event_is_acked_as_a_duplicate_not_dead_lettered()
    {
        var maxAge = TimeSpan.FromSeconds(10);
        (string, string?) setting = ("Consumer:MaxMessageAge", maxAge.ToString());
        await _system.StartSiloAsync(setting);
        using var consumed = new MetricsProbe(_system.StartTodoConsumer(setting).Services);
        var (eventId, userId, occurredAt) = (Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow);
        var body = Body(eventId, userId, occurredAt);
        await _system.PublishAsync(body);
        await Eventually.ReturnsAsync(
            () => _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId", new { userId }), n => n == 1, "the event applied while recent");

        // The same message again once it is older than Consumer:MaxMessageAge, as a late redelivery or a replay brings it.
        var untilOld = occurredAt + maxAge + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        await Task.Delay(untilOld > TimeSpan.Zero ? untilOld : TimeSpan.Zero);
        await _system.PublishAsync(body);

        await Eventually.ReturnsAsync(
            () => Task.FromResult(consumed.Sum(ConsumerMetrics.MessagesInstrument, "duplicate")), n => n == 1, "the old copy acked as a duplicate");
        Assert.Equal(0L, consumed.Sum(ConsumerMetrics.MessagesInstrument, "expired"));
        Assert.Equal(0u, await _system.QueueDepthAsync(Topology.UserRegisteredDeadLetterQueue));
        Assert.Equal(1L, await _system.TodoScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @userId", new { userId }));
    }

    private static byte[] Body(Guid eventId, Guid userId, DateTimeOffset occurredAt) =>
        JsonSerializer.SerializeToUtf8Bytes(
            UserRegistered.Create(eventId, occurredAt, $"test-{eventId:N}", userId, $"{userId:N}@example.com"), EventJson.Options);

    private static IEnumerable<Exception> Flatten(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
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
