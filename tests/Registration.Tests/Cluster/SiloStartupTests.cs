using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>A silo without what its grains need, or with settings that cannot work together, refuses to start and names them.</summary>
public sealed class SiloStartupTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Theory]
    [InlineData("ConnectionStrings:TodoDatabase")]
    [InlineData("ConnectionStrings:NotifyDatabase")]
    [InlineData("ConnectionStrings:Database")]
    public async Task Silo_without_a_database_connection_string_refuses_to_start_naming_it(string key)
    {
        var settings = _system.SiloSettings();
        settings[key] = "";
        await using var silo = ServiceProcess.StartSilo(settings);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitReadyAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("The silo exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"{key} is not set", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Outbox:KeepAlivePeriod", "00:00:02", "Orleans:MinimumReminderPeriod", "00:00:05")]
    [InlineData("Account:StepTimeout", "00:00:01", "Orleans:MinimumReminderPeriod", "00:00:01.500")]
    [InlineData("Outbox:RetryInitialDelay", "00:00:05", "Outbox:RetryMaxDelay", "00:00:01")]
    public async Task Silo_with_settings_that_cannot_work_together_refuses_to_start_naming_both_before_taking_an_epoch(
        string key, string value, string otherKey, string otherValue)
    {
        _system.StartAuthApi(); // creates the outbox schema, outbox_epochs among it
        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<bool>("SELECT to_regclass('outbox_epochs') IS NOT NULL"), exists => exists, "the outbox schema migrated");
        var settings = _system.SiloSettings();
        (settings[key], settings[otherKey]) = (value, otherValue);
        await using var silo = ServiceProcess.StartSilo(settings);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitReadyAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("The silo exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
        Assert.Contains(otherKey, failure.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox_epochs"));
    }
}
