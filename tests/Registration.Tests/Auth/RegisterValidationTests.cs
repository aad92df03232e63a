using System.Net;
using System.Text;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

/// <summary>Bad input to POST /api/v1/auth/register: the exact 4xx, problem+json, the field named, nothing written.</summary>
public sealed class RegisterValidationTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _http = _system.StartAuthApi().CreateClient();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    public static TheoryData<string, string?, string, HttpStatusCode, string?> BadRequests() => new()
    {
        { "empty body", "application/json", "", HttpStatusCode.BadRequest, "body" },
        { "malformed JSON", "application/json", "{\"email\": \"a@example.com\",", HttpStatusCode.BadRequest, "body" },
        { "not JSON at all", "application/json", "email=a@example.com", HttpStatusCode.BadRequest, "body" },
        { "JSON array", "application/json", "[]", HttpStatusCode.BadRequest, "body" },
        { "JSON null", "application/json", "null", HttpStatusCode.BadRequest, "body" },
        { "email is a number", "application/json", "{\"email\": 5, \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "password is a boolean", "application/json", "{\"email\": \"a@example.com\", \"password\": true}", HttpStatusCode.BadRequest, "password" },
        { "email missing", "application/json", "{\"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "password missing", "application/json", "{\"email\": \"a@example.com\"}", HttpStatusCode.BadRequest, "password" },
        { "invalid email", "application/json", "{\"email\": \"not-an-email\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "email with spaces inside", "application/json", "{\"email\": \"a b@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "email with two @", "application/json", "{\"email\": \"a@b@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "email over 254 characters", "application/json", $"{{\"email\": \"{new string('a', 64)}@{new string('b', 190)}.com\", \"password\": \"grey stapler orbit\"}}", HttpStatusCode.BadRequest, "email" },
        { "password of 7 characters", "application/json", "{\"email\": \"a@example.com\", \"password\": \"1234567\"}", HttpStatusCode.BadRequest, "password" },
        { "password of 129 characters", "application/json", $"{{\"email\": \"a@example.com\", \"password\": \"{new string('p', 129)}\"}}", HttpStatusCode.BadRequest, "password" },
        { "password equal to the email", "application/json", "{\"email\": \"Long.Name@example.com\", \"password\": \"long.name@example.com\"}", HttpStatusCode.BadRequest, "password" },
        { "script in the email", "application/json", "{\"email\": \"<script>alert(1)</script>@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "SQL in the email", "application/json", "{\"email\": \"x'; DROP TABLE users; --@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "NUL in the email", "application/json", "{\"email\": \"a\\u0000b@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "lone high surrogate in the email", "application/json", "{\"email\": \"a\\ud800b@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.BadRequest, "email" },
        { "NUL in the password", "application/json", "{\"email\": \"a@example.com\", \"password\": \"a good\\u0000password\"}", HttpStatusCode.BadRequest, "password" },
        { "lone low surrogate in the password", "application/json", "{\"email\": \"a@example.com\", \"password\": \"a good\\udc00password\"}", HttpStatusCode.BadRequest, "password" },
        { "NUL in an unknown member", "application/json", "{\"email\": \"a@example.com\", \"password\": \"grey stapler orbit\", \"note\": \"\\u0000\"}", HttpStatusCode.BadRequest, "note" },
        { "lone surrogate in a property name", "application/json", "{\"email\": \"a@example.com\", \"password\": \"grey stapler orbit\", \"n\\ud800\": 1}", HttpStatusCode.BadRequest, "body" },
        { "text/plain", "text/plain", "{\"email\": \"a@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.UnsupportedMediaType, null },
        { "form post", "application/x-www-form-urlencoded", "email=a%40example.com&password=a+good+password", HttpStatusCode.UnsupportedMediaType, null },
        { "no content type", null, "{\"email\": \"a@example.com\", \"password\": \"grey stapler orbit\"}", HttpStatusCode.UnsupportedMediaType, null },
        { "body over 16 KiB", "application/json", $"{{\"email\": \"a@example.com\", \"password\": \"grey stapler orbit\", \"pad\": \"{new string('x', 17 * 1024)}\"}}", HttpStatusCode.RequestEntityTooLarge, null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_request_gets_a_problem_and_writes_nothing(string description, string? contentType, string body, HttpStatusCode expected, string? field)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await _http.PostAsync("/api/v1/auth/register", content);

        var problem = await response.AssertProblemAsync(expected);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"{description}: no error for '{field}' in {problem}");
            Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        }

        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox"));
    }

    [Theory]
    [InlineData("ada@example.com", "password123", "commonly used password")]
    [InlineData("ada@example.com", "Password1!", "commonly used password")]
    [InlineData("ada.lovelace@example.com", "adalovelace99", "the email address")]
    [InlineData("ada@example.com", "qwertyuiop", "commonly used password")]
    [InlineData("ada@example.com", "aaaaaaaaaaaa", "repeats characters")]
    [InlineData("ada@example.com", "abcdefgh1", "sequence")]
    public async Task Easily_guessed_password_is_refused_saying_why(string email, string password, string reason)
    {
        var response = await _http.RegisterAsync(email, password);

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var message = problem.GetProperty("errors").GetProperty("password")[0].GetString()!;
        Assert.Contains("too easy to guess", message, StringComparison.Ordinal);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
    }

    [Fact]
    public async Task Existing_email_in_any_letter_case_is_a_conflict()
    {
        await _http.RegisterOkAsync("Mixed.Case@Example.com");

        var response = await _http.RegisterAsync("  mixed.case@EXAMPLE.com ", "north cactus ledger");

        await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users"));
        Assert.Equal(1L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM outbox"));
    }

    [Fact]
    public async Task Email_is_trimmed_and_lower_cased()
    {
        var registered = await _http.RegisterOkAsync("  Someone@Example.COM ");

        Assert.Equal("someone@example.com", registered.Email);
        Assert.Equal("someone@example.com", await _system.AuthScalarAsync<string>("SELECT email FROM users WHERE id = @id", new { id = registered.UserId }));
    }

    [Fact]
    public async Task Unknown_route_and_wrong_method_are_problems_not_500()
    {
        await (await _http.GetAsync("/api/v1/auth/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await _http.GetAsync("/api/v1/auth/register")).AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }
}
