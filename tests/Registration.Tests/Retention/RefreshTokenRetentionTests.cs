using Dapper;
using Registration.ServiceDefaults.Data;
using Registration.Tests.Grains;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Retention;

/// <summary>
/// The cluster's one refresh token cleaner deletes tokens past their expires_at from the auth database, in batches (here
/// of 2, every 200 ms), spent and revoked ones alike, and keeps every token still valid.
/// </summary>
public sealed class RefreshTokenRetentionTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private RelayCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        await SqlMigrator.MigrateAsync(_system.AuthDb, typeof(AuthApi.Program).Assembly, CancellationToken.None);
        _cluster = await RelayCluster.StartAsync(
            _system,
            silos: 1,
            ("RefreshTokens:CleanupInterval", "00:00:00.200"),
            ("RefreshTokens:CleanupBatchSize", "2"));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _system.DisposeAsync();
    }

    [Fact]
    public async Task Expired_refresh_tokens_are_deleted_and_valid_ones_kept()
    {
        var userId = Guid.CreateVersion7();
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        await connection.ExecuteAsync(
            "INSERT INTO users (id, email, password_hash) VALUES (@userId, @email, 'not a hash')", new { userId, email = ApiClient.NewEmail() });
        await connection.ExecuteAsync(
            """
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at, spent_at, revoked_at)
            SELECT gen_random_uuid(), @userId, gen_random_uuid(), sha256(convert_to(i::text, 'UTF8')), now() - interval '31 days',
                   CASE WHEN i <= 7 THEN now() - interval '1 minute' ELSE now() + interval '1 day' END,
                   CASE WHEN i % 2 = 0 THEN now() - interval '2 days' END,
                   CASE WHEN i % 3 = 0 THEN now() - interval '2 days' END
            FROM generate_series(1, 10) AS i
            """,
            new { userId });

        await Eventually.ReturnsAsync(
            () => _system.AuthScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE expires_at < now()"),
            n => n == 0, "every expired refresh token deleted", TimeSpan.FromSeconds(30));

        Assert.Equal(3L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE user_id = @userId", new { userId }));
    }
}
