using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using AuthApi.Features;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

/// <summary>Refresh tokens: rotation, reuse detection revoking the family, one winner of a race, expiry, logout.</summary>
public sealed class RefreshTokenTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _http = _system.StartAuthApi().CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Login_answers_a_short_lived_access_token_and_a_refresh_token_stored_only_as_its_hash()
    {
        var registered = await _http.RegisterOkAsync();

        var pair = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");

        Assert.Equal("Bearer", pair.TokenType);
        Assert.Equal(600, pair.ExpiresIn);
        Assert.Equal(32, Base64Url.DecodeFromChars(pair.RefreshToken).Length);
        var stored = await _system.AuthScalarAsync<byte[]>("SELECT token_hash FROM refresh_tokens WHERE user_id = @id", new { id = registered.UserId });
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(pair.RefreshToken)), stored);
        var lifetime = await _system.AuthScalarAsync<TimeSpan>("SELECT expires_at - created_at FROM refresh_tokens WHERE user_id = @id", new { id = registered.UserId });
        Assert.InRange(lifetime, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Refresh_answers_a_new_pair_and_spends_the_presented_token()
    {
        var registered = await _http.RegisterOkAsync();
        var first = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");

        var second = await _http.RefreshOkAsync(first.RefreshToken);
        var third = await _http.RefreshOkAsync(second.RefreshToken);

        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(second.RefreshToken, third.RefreshToken);
        var me = await _http.WithToken(third.AccessToken).GetFromJsonAsync<Me.Response>("/api/v1/auth/me");
        Assert.Equal(registered.UserId, me!.UserId);
        Assert.Equal(1L, await _system.AuthScalarAsync<long>(
            "SELECT count(DISTINCT family_id) FROM refresh_tokens WHERE user_id = @id", new { id = registered.UserId }));
        Assert.Equal(2L, await _system.AuthScalarAsync<long>(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND spent_at IS NOT NULL AND replaced_by IS NOT NULL", new { id = registered.UserId }));
    }

    [Fact]
    public async Task A_spent_token_presented_again_is_401_and_revokes_its_family_other_families_live_on()
    {
        var registered = await _http.RegisterOkAsync();
        var stolen = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");
        var otherDevice = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");
        var newest = await _http.RefreshOkAsync(stolen.RefreshToken);

        var problem = await (await _http.RefreshAsync(stolen.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Equal("Invalid refresh token.", problem.GetProperty("title").GetString());
        await (await _http.RefreshAsync(newest.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await _http.RefreshOkAsync(otherDevice.RefreshToken);
    }

    [Fact]
    public async Task Two_refreshes_of_one_token_at_once_one_gets_200_the_other_401()
    {
        var registered = await _http.RegisterOkAsync();
        for (var round = 0; round < 5; round++)
        {
            var pair = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");
            using var start = new SemaphoreSlim(0);
            var racers = Enumerable.Range(0, 2).Select(async _ =>
            {
                await start.WaitAsync();
                return (await _http.RefreshAsync(pair.RefreshToken)).StatusCode;
            }).ToList();
            start.Release(2);

            var statuses = await Task.WhenAll(racers).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], statuses.Order());
        }

        // Every family: the login's token spent once, one successor, and the successor revoked by the loser's reuse.
        Assert.Equal(5L, await _system.AuthScalarAsync<long>(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND spent_at IS NOT NULL", new { id = registered.UserId }));
        Assert.Equal(10L, await _system.AuthScalarAsync<long>(
            "SELECT count(*) FROM refresh_tokens WHERE user_id = @id AND revoked_at IS NOT NULL", new { id = registered.UserId }));
    }

    [Fact]
    public async Task An_expired_refresh_token_is_401()
    {
        using var http = _system.StartAuthApi(("Jwt:RefreshTokenLifetime", "00:00:01")).CreateClient();
        var registered = await http.RegisterOkAsync();
        var pair = await http.LoginPairAsync(registered.Email, "grey stapler orbit");

        await Eventually.TrueAsync(
            async () => await _system.AuthScalarAsync<bool>("SELECT expires_at < now() FROM refresh_tokens WHERE user_id = @id", new { id = registered.UserId }),
            "the refresh token past its one-second lifetime");

        await (await http.RefreshAsync(pair.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM refresh_tokens WHERE spent_at IS NOT NULL"));
    }

    [Theory]
    [InlineData("Jwt:RefreshTokenLifetime", "00:00:00", "Jwt:RefreshTokenLifetime must be between")]
    [InlineData("Jwt:RefreshTokenLifetime", "366.00:00:00", "Jwt:RefreshTokenLifetime must be between")]
    [InlineData("Jwt:AccessTokenLifetime", "00:00:30", "Jwt:AccessTokenLifetime must be between")]
    public void Service_refuses_to_start_with_a_token_lifetime_out_of_range(string key, string value, string message)
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartAuthApi((key, value)));

        Assert.Contains(message, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task An_unknown_refresh_token_is_401(string token) =>
        await (await _http.RefreshAsync(token)).AssertProblemAsync(HttpStatusCode.Unauthorized);

    [Fact]
    public async Task Logout_revokes_the_family_and_answers_204_for_unknown_tokens_too()
    {
        var registered = await _http.RegisterOkAsync();
        var first = await _http.LoginPairAsync(registered.Email, "grey stapler orbit");
        var rotated = await _http.RefreshOkAsync(first.RefreshToken);

        var logout = await _http.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = first.RefreshToken });

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        await (await _http.RefreshAsync(rotated.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = rotated.RefreshToken })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.PostAsJsonAsync("/api/v1/auth/logout", new { refreshToken = "unknown" })).StatusCode);
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "/api/v1/auth/refresh", "{}" },
        { "/api/v1/auth/refresh", "{\"refreshToken\": \"\"}" },
        { "/api/v1/auth/refresh", "{\"refreshToken\": 5}" },
        { "/api/v1/auth/refresh", "{\"refreshToken\": " },
        { "/api/v1/auth/refresh", "{\"refreshToken\": \"a\\u0000b\"}" },
        { "/api/v1/auth/logout", "{}" },
        { "/api/v1/auth/logout", "{\"refreshToken\": [\"a\"]}" },
        { "/api/v1/auth/logout", "[]" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Refresh_and_logout_with_a_bad_body_are_400(string path, string body)
    {
        var response = await _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }
}
