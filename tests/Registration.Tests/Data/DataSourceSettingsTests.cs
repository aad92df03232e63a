using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Data;

/// <summary>The services' data source: statements prepared after a few uses, no reset between uses, unless the connection string says otherwise.</summary>
public sealed class DataSourceSettingsTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Repeated_statements_are_prepared_by_default()
    {
        var host = _system.StartTodoConsumer();
        var db = host.Services.GetRequiredService<NpgsqlDataSource>();

        var settings = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        Assert.Equal(32, settings.MaxAutoPrepare);
        Assert.True(settings.NoResetOnClose);
        await using var connection = await db.OpenConnectionAsync();
        for (var i = 0; i < 6; i++)
        {
            await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM todos WHERE user_id = @user", new { user = Guid.NewGuid() });
        }

        var prepared = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM todos WHERE user_id%'");
        Assert.True(prepared == 1, $"the statement run 6 times on one connection is prepared once, found {prepared}");
    }

    [Fact]
    public void Connection_string_settings_win_over_the_defaults()
    {
        var host = _system.StartTodoConsumer(("ConnectionStrings:Database",
            TestSettings.PostgresConnectionString(_system.TodoDatabase) + ";Max Auto Prepare=0;No Reset On Close=false"));

        var settings = new NpgsqlConnectionStringBuilder(host.Services.GetRequiredService<NpgsqlDataSource>().ConnectionString);

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
    }
}
