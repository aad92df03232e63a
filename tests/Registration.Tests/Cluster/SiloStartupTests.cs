using Registration.Tests.Infrastructure;

namespace Registration.Tests.Cluster;

/// <summary>A silo without what its grains need refuses to start and says which setting is missing.</summary>
public sealed class SiloStartupTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Theory]
    [InlineData("ConnectionStrings:TodoDatabase")]
    [InlineData("ConnectionStrings:Database")]
    public async Task Silo_without_a_database_connection_string_refuses_to_start_naming_it(string key)
    {
        var settings = _system.SiloSettings();
        settings[key] = "";
        await using var silo = SiloProcess.Start(settings);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => silo.WaitReadyAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("The silo exited", failure.Message, StringComparison.Ordinal);
        Assert.Contains($"{key} is not set", failure.Message, StringComparison.Ordinal);
    }
}
