using System.Net;
using System.Net.Http.Json;
using System.Text;
using AuthApi.Features;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Auth;

/// <summary>PATCH /api/v1/auth/me: the display name, trimmed, 1-100 characters, no control characters.</summary>
public sealed class UpdateProfileTests : IAsyncLifetime
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
    public async Task Display_name_is_null_until_set_then_trimmed_and_shown_by_me()
    {
        var registered = await _http.RegisterOkAsync();
        _http.WithToken(await _http.LoginAsync(registered.Email, "grey stapler orbit"));
        Assert.Null((await _http.GetFromJsonAsync<Me.Response>("/api/v1/auth/me"))!.DisplayName);

        var response = await _http.PatchAsJsonAsync("/api/v1/auth/me", new { displayName = "  Ada Lovelace  " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<Me.Response>())!;
        Assert.Equal(new Me.Response(registered.UserId, registered.Email, updated.CreatedAt, "Ada Lovelace", null), updated);
        Assert.Equal(updated, await _http.GetFromJsonAsync<Me.Response>("/api/v1/auth/me"));
    }

    [Fact]
    public async Task A_name_of_100_characters_outside_the_bmp_is_accepted()
    {
        var name = string.Concat(Enumerable.Repeat("😀", UpdateProfile.MaxDisplayNameLength));
        await SignInAsync();

        var response = await _http.PatchAsJsonAsync("/api/v1/auth/me", new { displayName = name });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(name, (await response.Content.ReadFromJsonAsync<Me.Response>())!.DisplayName);
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "missing", "{}" },
        { "null", "{\"displayName\": null}" },
        { "empty", "{\"displayName\": \"\"}" },
        { "blank", "{\"displayName\": \"   \"}" },
        { "101 characters", $"{{\"displayName\": \"{new string('a', 101)}\"}}" },
        { "101 characters outside the BMP", $"{{\"displayName\": \"{string.Concat(Enumerable.Repeat("😀", 101))}\"}}" },
        { "a line break", "{\"displayName\": \"Ada\\nLovelace\"}" },
        { "a tab", "{\"displayName\": \"Ada\\tLovelace\"}" },
        { "an escape", "{\"displayName\": \"Ada\\u001b[31m\"}" },
        { "a C1 control inside", "{\"displayName\": \"Ad\\u0085a\"}" },
        { "a number", "{\"displayName\": 5}" },
        { "an array", "{\"displayName\": [\"Ada\"]}" },
        { "NUL", "{\"displayName\": \"Ada\\u0000\"}" },
        { "a lone surrogate", "{\"displayName\": \"Ada\\ud800\"}" },
        { "malformed JSON", "{\"displayName\": " },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_display_name_is_400_naming_the_field_and_nothing_is_stored(string description, string body)
    {
        var userId = await SignInAsync();

        var response = await _http.PatchAsync("/api/v1/auth/me", new StringContent(body, Encoding.UTF8, "application/json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("displayName", out _) || errors.TryGetProperty("body", out _), $"{description}: {problem}");
        Assert.Equal(0L, await _system.AuthScalarAsync<long>("SELECT count(*) FROM users WHERE id = @userId AND display_name IS NOT NULL", new { userId }));
    }

    [Fact]
    public async Task Without_a_token_it_is_401_and_a_form_post_is_415()
    {
        await (await _http.PatchAsJsonAsync("/api/v1/auth/me", new { displayName = "Ada" })).AssertProblemAsync(HttpStatusCode.Unauthorized);

        await SignInAsync();
        await (await _http.PatchAsync("/api/v1/auth/me", new FormUrlEncodedContent([new("displayName", "Ada")]))).AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    private async Task<Guid> SignInAsync()
    {
        var registered = await _http.RegisterOkAsync();
        _http.WithToken(await _http.LoginAsync(registered.Email, "grey stapler orbit"));
        return registered.UserId;
    }
}
