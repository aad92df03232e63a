using System.Net;
using System.Net.Http.Json;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

/// <summary>
/// Per-account protection against password guessing: after 5 wrong passwords for one email, known or not, its attempts
/// answer 429 with Retry-After before any database read or hash, the right password included; each further wrong
/// password doubles the wait; a right one clears the count; every instance sees the same state (Redis).
/// </summary>
public sealed class PasswordThrottleTests : IAsyncLifetime
{
    private const string Password = "grey stapler orbit";
    private const string WrongPassword = "not the password";

    // The tests that wait for a lockout to end use one of 5 s (then 10 s); for the others it is long enough for any
    // slowness of the machine (the default, a minute).
    private static readonly (string Key, string? Value)[] ShortLockouts =
    [
        ("PasswordThrottle:FirstLockout", "00:00:05"),
        ("PasswordThrottle:MaxLockout", "00:00:20"),
    ];

    private TestSystem _system = null!;
    private ServiceHost<AuthApi.Program> _auth = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApi();
        _http = _auth.CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_the_right_one_included_until_the_lockout_ends_and_a_success_resets_the_count()
    {
        _http = _system.StartAuthApi(ShortLockouts).CreateClient();
        var user = await _http.RegisterOkAsync();
        await FailAsync(user.Email, 5);

        var locked = await LoginAsync(user.Email, Password);

        var problem = await locked.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("Too many wrong passwords for this account.", problem.GetProperty("title").GetString());
        Assert.InRange(RetryAfter(locked), 1, 5);
        await Eventually.TrueAsync(
            async () => (await LoginAsync(user.Email, Password)).StatusCode == HttpStatusCode.OK,
            "the right password accepted once the 5 s lockout is over",
            TimeSpan.FromSeconds(30));

        // The success cleared the count: four wrong passwords are 401s again, not 429s.
        await FailAsync(user.Email, 4);
    }

    [Fact]
    public async Task Unknown_email_is_locked_like_a_known_one()
    {
        var known = await _http.RegisterOkAsync();
        var unknown = ApiClient.NewEmail();
        await FailAsync(known.Email, 5);
        await FailAsync(unknown, 5);

        var knownAnswer = await LoginAsync(known.Email, WrongPassword);
        var unknownAnswer = await LoginAsync(unknown, WrongPassword);

        var knownProblem = await knownAnswer.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        var unknownProblem = await unknownAnswer.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(knownProblem.GetProperty("title").GetString(), unknownProblem.GetProperty("title").GetString());
        Assert.InRange(RetryAfter(knownAnswer), 1, 60);
        Assert.InRange(RetryAfter(unknownAnswer), 1, 60);
    }

    [Fact]
    public async Task Each_further_wrong_password_doubles_the_lockout()
    {
        _http = _system.StartAuthApi(ShortLockouts).CreateClient();
        var user = await _http.RegisterOkAsync();
        await FailAsync(user.Email, 5);
        Assert.InRange(RetryAfter(await LoginAsync(user.Email, WrongPassword)), 1, 5);

        // Once the first lockout ends, one more wrong password locks it for 10 s: more than the first could ever say.
        await Eventually.TrueAsync(
            async () => (await LoginAsync(user.Email, WrongPassword)).StatusCode == HttpStatusCode.Unauthorized,
            "a wrong password answered 401 again once the 5 s lockout is over",
            TimeSpan.FromSeconds(30));

        Assert.InRange(RetryAfter(await LoginAsync(user.Email, Password)), 6, 10);
    }

    [Fact]
    public async Task A_locked_account_is_refused_before_the_database_is_read()
    {
        var user = await _http.RegisterOkAsync();
        await FailAsync(user.Email, 5);

        _auth.Database.Cut();
        try
        {
            await (await LoginAsync(user.Email, Password)).AssertProblemAsync(HttpStatusCode.TooManyRequests);
        }
        finally
        {
            _auth.Database.Restore();
        }
    }

    [Fact]
    public async Task Every_instance_sees_the_same_lockout()
    {
        var user = await _http.RegisterOkAsync();
        var other = _system.StartAuthApi().CreateClient();
        await FailAsync(user.Email, 5);

        await (await other.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = Password }))
            .AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Wrong_current_passwords_of_a_password_change_count_and_lock_the_login_too()
    {
        var user = await _http.RegisterOkAsync();
        var signedIn = _auth.CreateClient().WithToken(await _http.LoginAsync(user.Email, Password));
        for (var i = 0; i < 5; i++)
        {
            await (await ChangeAsync(signedIn, WrongPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        var change = await ChangeAsync(signedIn, Password);

        await change.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.True(RetryAfter(change) >= 1);
        await (await LoginAsync(user.Email, Password)).AssertProblemAsync(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Unreachable_redis_is_a_503_not_a_500()
    {
        var user = await _http.RegisterOkAsync();
        var noRedis = _system.StartAuthApi(("ConnectionStrings:Redis", "127.0.0.1:1,connectTimeout=500,asyncTimeout=1000")).CreateClient();

        var response = await noRedis.PostAsJsonAsync("/api/v1/auth/login", new { email = user.Email, password = Password });

        await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.True(response.Headers.RetryAfter is not null, "a 503 without Retry-After");
    }

    [Theory]
    [InlineData("PasswordThrottle:MaxFailures", "0")]
    [InlineData("PasswordThrottle:Window", "00:00:00")]
    [InlineData("PasswordThrottle:FirstLockout", "2.00:00:00")]
    [InlineData("PasswordThrottle:MaxLockout", "not a time")]
    public void AuthApi_refuses_to_start_with_a_throttle_setting_out_of_range(string key, string value)
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartAuthApi((key, value)));

        Assert.Contains(key.Split(':')[1], error.ToString(), StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> LoginAsync(string email, string password) =>
        _http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });

    private static Task<HttpResponseMessage> ChangeAsync(HttpClient signedIn, string currentPassword) =>
        signedIn.PostAsJsonAsync("/api/v1/auth/me/password", new { currentPassword, newPassword = "kettle violin marsh 42" });

    private async Task FailAsync(string email, int times)
    {
        for (var i = 0; i < times; i++)
        {
            await (await LoginAsync(email, WrongPassword)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    private static int RetryAfter(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var delta = response.Headers.RetryAfter?.Delta;
        Assert.True(delta is not null, "a 429 without Retry-After in seconds");
        return (int)delta.Value.TotalSeconds;
    }
}
