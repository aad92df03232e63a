using System.Net;
using System.Net.Http.Json;
using Dapper;
using Registration.Tests.Infrastructure;
using Bcrypt = BCrypt.Net.BCrypt;

namespace Registration.Tests.Auth;

/// <summary>A login replaces an old-scheme (PBKDF2) or lower-cost hash with a BCrypt one of the configured work factor.</summary>
public sealed class LoginHashUpgradeTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private TestSystem _system = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _http = _system.StartAuthApi().CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Login_with_an_old_scheme_hash_stores_a_bcrypt_hash_in_the_same_request()
    {
        var user = await _http.RegisterOkAsync("old.scheme@example.com", "grey stapler orbit");
        var oldHash = PasswordHasherTests.OldSchemeHash("grey stapler orbit");
        await SetHashAsync(user.UserId, oldHash);

        await (await _http.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = "another password" }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(oldHash, await HashAsync(user.UserId));

        await _http.LoginAsync(user.Email, "grey stapler orbit");

        var stored = await HashAsync(user.UserId);
        Assert.StartsWith("$2", stored, StringComparison.Ordinal);
        Assert.Equal("10", Bcrypt.InterrogateHash(stored).WorkFactor);
        await _http.LoginAsync(user.Email, "grey stapler orbit");
        Assert.Equal(stored, await HashAsync(user.UserId));
    }

    [Fact]
    public async Task Login_upgrades_a_hash_of_a_lower_work_factor_and_never_lowers_one()
    {
        var user = await _http.RegisterOkAsync("raised@example.com", "grey stapler orbit");
        var raised = _system.StartAuthApi(("PasswordHashing:WorkFactor", "11")).CreateClient();

        await raised.LoginAsync(user.Email, "grey stapler orbit");

        var stored = await HashAsync(user.UserId);
        Assert.Equal("11", Bcrypt.InterrogateHash(stored).WorkFactor);
        await _http.LoginAsync(user.Email, "grey stapler orbit");
        Assert.Equal(stored, await HashAsync(user.UserId));
    }

    [Fact]
    public async Task Upgrade_does_not_overwrite_a_password_changed_meanwhile()
    {
        var user = await _http.RegisterOkAsync("changed@example.com", "grey stapler orbit");
        await SetHashAsync(user.UserId, PasswordHasherTests.OldSchemeHash("grey stapler orbit"));
        await using var connection = await _system.AuthDb.OpenConnectionAsync();
        await using var change = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("UPDATE users SET password_hash = 'changed meanwhile' WHERE id = @id", new { id = user.UserId }, change);

        // The login reads the committed (old) hash, verifies it, and its upgrade then waits for the changed row's lock.
        var login = _http.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = "grey stapler orbit" });
        await Eventually.TrueAsync(
            async () => await _system.AuthScalarAsync<long>(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE users SET password_hash%'") == 1,
            "the login's hash upgrade waiting for the row of the password being changed",
            Bound);
        await change.CommitAsync();

        Assert.Equal(HttpStatusCode.OK, (await login.WaitAsync(Bound)).StatusCode);
        Assert.Equal("changed meanwhile", await HashAsync(user.UserId));
    }

    private Task<string> HashAsync(Guid id) =>
        _system.AuthScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id });

    private Task<string> SetHashAsync(Guid id, string hash) =>
        _system.AuthScalarAsync<string>("UPDATE users SET password_hash = @hash WHERE id = @id RETURNING password_hash", new { id, hash });
}
