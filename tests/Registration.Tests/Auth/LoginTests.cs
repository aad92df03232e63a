using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AuthApi.Features;
using AuthApi.Security;
using Microsoft.Extensions.Options;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

[Collection(HeavyOrTimed.Name)]
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
        var registered = await _http.RegisterOkAsync("Login.User@example.com", "grey stapler orbit");

        var token = await _http.LoginAsync(" login.user@EXAMPLE.com", "grey stapler orbit");
        var me = await _http.WithToken(token).GetFromJsonAsync<Me.Response>("/api/v1/auth/me");

        Assert.Equal(registered.UserId, me!.UserId);
        Assert.Equal("login.user@example.com", me.Email);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync($"/api/v1/auth/users/{registered.UserId}")).StatusCode);
        await (await _http.GetAsync($"/api/v1/auth/users/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_email_wrong_password_and_old_scheme_hash_get_the_same_401_in_about_the_same_time()
    {
        await _http.RegisterOkAsync("known@example.com", "grey stapler orbit");
        var old = await _http.RegisterOkAsync("old.scheme@example.com", "grey stapler orbit");
        var oldHash = PasswordHasherTests.OldSchemeHash("grey stapler orbit");
        await _system.AuthScalarAsync<string>("UPDATE users SET password_hash = @oldHash WHERE id = @id RETURNING id::text", new { oldHash, id = old.UserId });
        string[] emails = ["unknown@example.com", "known@example.com", "old.scheme@example.com"];
        // Eight wrong passwords each: more than the per-account throttle allows by default.
        var http = _system.StartAuthApi(("PasswordThrottle:MaxFailures", "100")).CreateClient();

        // Each kind in turn, so that a busy moment of the machine slows all three alike; the first round warms up.
        var times = emails.ToDictionary(email => email, _ => new List<double>());
        for (var round = 0; round < 8; round++)
        {
            foreach (var email in emails)
            {
                var (response, elapsed) = await TimedLoginAsync(http, email, "not the password");
                var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
                Assert.Equal("Invalid email or password.", problem.GetProperty("title").GetString());
                if (round > 0)
                {
                    times[email].Add(elapsed.TotalMilliseconds);
                }
            }
        }

        // Each verifies one hash of about the same cost: BCrypt at the work factor (a dummy hash for the unknown email),
        // or the old PBKDF2 hash. Without the dummy hash the unknown email would answer some 20 times faster. Compared by
        // the fastest of each kind: a busy machine only ever adds time, so the fastest answer is the closest to the cost.
        var wrongPassword = times["known@example.com"].Min();
        foreach (var email in new[] { "unknown@example.com", "old.scheme@example.com" })
        {
            var ratio = times[email].Min() / wrongPassword;
            Assert.True(ratio is > 0.25 and < 4, $"{email}: {Describe(times[email])} ms against a wrong password's {Describe(times["known@example.com"])} ms");
        }

        Assert.Equal(oldHash, await _system.AuthScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id = old.UserId }));
    }

    [Fact]
    public async Task Account_whose_password_predates_the_quality_rule_still_logs_in()
    {
        var registered = await _http.RegisterOkAsync();
        await _system.AuthScalarAsync<int>(
            "WITH changed AS (UPDATE users SET password_hash = @hash WHERE id = @id RETURNING 1) SELECT count(*)::int FROM changed",
            new { id = registered.UserId, hash = new PasswordHasher(workFactor: 10).Hash("password123") });

        await _http.LoginAsync(registered.Email, "password123");
    }

    [Theory]
    [InlineData(0x1F600)] // emoji: four bytes in UTF-8, two UTF-16 code units
    [InlineData(0x5BC6)] // CJK
    public async Task Non_ascii_password_of_the_maximum_length_logs_in_and_its_last_character_counts(int firstCodePoint)
    {
        // Characters drawn from 64 neighbours, not one repeated: a repetition is refused as easy to guess.
        var random = new Random(firstCodePoint);
        var characters = Enumerable.Range(0, Register.MaxPasswordLength).Select(_ => char.ConvertFromUtf32(firstCodePoint + random.Next(64))).ToList();
        var password = string.Concat(characters);
        var registered = await _http.RegisterOkAsync(password: password);

        await _http.LoginAsync(registered.Email, password);

        var lastDiffers = password[..^characters[^1].Length] + "x";
        await (await _http.PostAsJsonAsync("/api/v1/auth/login", new { email = registered.Email, password = lastDiffers }))
            .AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("9")]
    [InlineData("17")]
    public void Service_refuses_to_start_with_a_work_factor_outside_10_to_16(string workFactor)
    {
        var error = Assert.ThrowsAny<Exception>(() => _system.StartAuthApi(("PasswordHashing:WorkFactor", workFactor)));

        // Start-up may fail with the validation error wrapped (an AggregateException when several things fail at once).
        var validation = Flatten(error).OfType<OptionsValidationException>().FirstOrDefault();
        Assert.True(validation is not null, $"expected an OptionsValidationException, got: {error}");
        Assert.Contains("PasswordHashing:WorkFactor must be between 10", validation.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Flatten(Exception error) =>
        error is AggregateException aggregate
            ? aggregate.InnerExceptions.SelectMany(Flatten).Prepend(error)
            : error.InnerException is { } inner ? Flatten(inner).Prepend(error) : [error];

    [Fact]
    public async Task Me_without_or_with_a_forged_token_is_401()
    {
        await (await _http.GetAsync("/api/v1/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/auth/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.");
        var forged = await _http.SendAsync(request);
        await forged.AssertProblemAsync(HttpStatusCode.Unauthorized);
        // The challenge does not say what the validation found wrong (no error_description to probe the keys with).
        Assert.Equal("Bearer", forged.Headers.WwwAuthenticate.ToString());
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
        { "{\"email\": \"known\\u0000@example.com\", \"password\": \"grey stapler orbit\"}", "email" },
        { "{\"email\": \"known\\ud800@example.com\", \"password\": \"grey stapler orbit\"}", "email" },
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

    private static async Task<(HttpResponseMessage Response, TimeSpan Elapsed)> TimedLoginAsync(HttpClient http, string email, string password)
    {
        var watch = Stopwatch.StartNew();
        var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        return (response, watch.Elapsed);
    }

    private static string Describe(List<double> values) => string.Join(" / ", values.Select(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture)));
}
