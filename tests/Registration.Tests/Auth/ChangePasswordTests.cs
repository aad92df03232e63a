using System.Net;
using System.Net.Http.Json;
using System.Text;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

/// <summary>POST /api/v1/auth/me/password: the current password checked, the registration's rules, every refresh token revoked.</summary>
public sealed class ChangePasswordTests : IAsyncLifetime
{
    private const string Password = "grey stapler orbit";
    private TestSystem _system = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _http = _system.StartAuthApi().CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task The_new_password_logs_in_the_old_does_not_and_every_refresh_token_is_revoked()
    {
        var registered = await _http.RegisterOkAsync();
        var laptop = await _http.LoginPairAsync(registered.Email, Password);
        var phone = await _http.LoginPairAsync(registered.Email, Password);
        var rotated = await _http.RefreshOkAsync(phone.RefreshToken);

        var response = await _http.WithToken(laptop.AccessToken).PostAsJsonAsync(
            "/api/v1/auth/me/password", new { currentPassword = Password, newPassword = "kettle violin marsh 42" });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await (await _http.RefreshAsync(laptop.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await _http.RefreshAsync(rotated.RefreshToken)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await _http.PostAsJsonAsync("/api/v1/auth/login", new { email = registered.Email, password = Password })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var fresh = await _http.LoginPairAsync(registered.Email, "kettle violin marsh 42");
        await _http.RefreshOkAsync(fresh.RefreshToken);
        Assert.StartsWith("$2", await _system.AuthScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id = registered.UserId }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_current_password_is_401_and_changes_nothing()
    {
        var registered = await _http.RegisterOkAsync();
        var pair = await _http.LoginPairAsync(registered.Email, Password);

        var response = await _http.WithToken(pair.AccessToken).PostAsJsonAsync(
            "/api/v1/auth/me/password", new { currentPassword = "not the password", newPassword = "kettle violin marsh 42" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("The current password is wrong.", problem.GetProperty("title").GetString());
        await _http.LoginAsync(registered.Email, Password);
        await _http.RefreshOkAsync(pair.RefreshToken);
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        { "new password missing", "{\"currentPassword\": \"grey stapler orbit\"}", "newPassword" },
        { "new password of 7 characters", "{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": \"1234567\"}", "newPassword" },
        { "new password of 129 characters", $"{{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": \"{new string('p', 129)}\"}}", "newPassword" },
        { "new password easy to guess", "{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": \"password123\"}", "newPassword" },
        { "new password equal to the email", "{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": \" EMAIL \"}", "newPassword" },
        { "current password missing", "{\"newPassword\": \"kettle violin marsh 42\"}", "currentPassword" },
        { "current password empty", "{\"currentPassword\": \"\", \"newPassword\": \"kettle violin marsh 42\"}", "currentPassword" },
        { "new password a number", "{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": 12345678}", "newPassword" },
        { "new password with NUL", "{\"currentPassword\": \"grey stapler orbit\", \"newPassword\": \"kettle violin\\u0000marsh 42\"}", "newPassword" },
        { "empty body", "", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_400_naming_the_field_and_the_password_is_kept(string description, string body, string field)
    {
        var registered = await _http.RegisterOkAsync();
        var pair = await _http.LoginPairAsync(registered.Email, Password);

        var response = await _http.WithToken(pair.AccessToken).PostAsync(
            "/api/v1/auth/me/password", new StringContent(body.Replace("EMAIL", registered.Email.ToUpperInvariant(), StringComparison.Ordinal), Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{description}: {problem}");
        await _http.LoginAsync(registered.Email, Password);
        await _http.RefreshOkAsync(pair.RefreshToken);
    }

    [Fact]
    public async Task Without_a_token_it_is_401() =>
        await (await _http.PostAsJsonAsync("/api/v1/auth/me/password", new { currentPassword = Password, newPassword = "kettle violin marsh 42" }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
}
