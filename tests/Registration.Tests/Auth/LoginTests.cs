using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

public sealed class LoginTests : IAsyncLifetime
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
    public async Task Login_returns_a_token_that_me_accepts()
    {
        var registered = await _http.RegisterOkAsync("Login.User@example.com", "a good password");

        var token = await _http.LoginAsync(" login.user@EXAMPLE.com", "a good password");
        var me = await _http.WithToken(token).GetFromJsonAsync<AuthApi.Features.Me.Response>("/api/v1/auth/me");

        Assert.Equal(registered.UserId, me!.UserId);
        Assert.Equal("login.user@example.com", me.Email);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/v1/auth/users/{registered.UserId}")).StatusCode);
        await (await _http.GetAsync($"/api/v1/auth/users/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_email_get_the_same_401_in_about_the_same_time()
    {
        await _http.RegisterOkAsync("known@example.com", "a good password");

        var (wrongPassword, wrongPasswordTime) = await TimedLoginAsync("known@example.com", "not the password");
        var (unknownEmail, unknownEmailTime) = await TimedLoginAsync("unknown@example.com", "not the password");

        var first = await wrongPassword.AssertProblemAsync(HttpStatusCode.Unauthorized);
        var second = await unknownEmail.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(first.GetProperty("title").GetString(), second.GetProperty("title").GetString());
        // Both paths verify one PBKDF2 hash; without the dummy hash the unknown email would answer many times faster.
        var ratio = unknownEmailTime.TotalMilliseconds / wrongPasswordTime.TotalMilliseconds;
        Assert.True(ratio is > 0.2 and < 5, $"unknown email took {unknownEmailTime.TotalMilliseconds:0} ms, wrong password {wrongPasswordTime.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Me_without_or_with_a_forged_token_is_401()
    {
        await (await _http.GetAsync("/api/v1/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
        await (await _http.SendAsync(request)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Login_with_missing_fields_is_400()
    {
        var response = await _http.PostAsJsonAsync("/api/v1/auth/login", new { email = "a@example.com" });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("password", out _));
    }

    public static TheoryData<string, string> TextThatCannotBeStored() => new()
    {
        { "{\"email\": \"known\\u0000@example.com\", \"password\": \"a good password\"}", "email" },
        { "{\"email\": \"known\\ud800@example.com\", \"password\": \"a good password\"}", "email" },
        { "{\"email\": \"known@example.com\", \"password\": \"a good\\u0000password\"}", "password" },
        { "{\"email\": \"known@example.com\", \"password\": \"a good\\udc00password\"}", "password" },
    };

    [Theory]
    [MemberData(nameof(TextThatCannotBeStored))]
    public async Task Login_with_NUL_or_a_lone_surrogate_is_400_naming_the_field(string body, string field)
    {
        var response = await _http.PostAsync("/api/v1/auth/login", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
    }

    [Fact]
    public void Service_refuses_to_start_without_a_signing_key_of_32_bytes()
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartAuthApi(("Jwt:SigningKey", "too-short")));

        var validation = error as OptionsValidationException ?? error.InnerException as OptionsValidationException;
        Assert.NotNull(validation);
        Assert.Contains("Jwt:SigningKey must be at least 32 bytes", validation.Message, StringComparison.Ordinal);
    }

    /// <returns>The last answer and the median time of three attempts.</returns>
    private async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedLoginAsync(string email, string password)
    {
        var times = new List<TimeSpan>();
        HttpResponseMessage response = null!;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            response = await _http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
            times.Add(watch.Elapsed);
        }

        return (response, times.Order().ElementAt(1));
    }
}
