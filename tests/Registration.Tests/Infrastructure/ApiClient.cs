using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuthApi.Features;

namespace Registration.Tests.Infrastructure;

public static class ApiClient
{
    public static string NewEmail() => $"user-{Guid.NewGuid():N}@example.com";

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient http, string email, string password, string? correlationId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register") { Content = JsonContent.Create(new { email, password }) };
        if (correlationId is not null)
        {
            request.Headers.Add("x-correlation-id", correlationId);
        }

        return http.SendAsync(request);
    }

    public static async Task<Register.Response> RegisterOkAsync(this HttpClient http, string? email = null, string password = "grey stapler orbit")
    {
        var response = await http.RegisterAsync(email ?? NewEmail(), password);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Register.Response>())!;
    }

    /// <returns>The access token.</returns>
    public static async Task<string> LoginAsync(this HttpClient http, string email, string password) =>
        (await http.LoginPairAsync(email, password)).AccessToken;

    /// <returns>The access and refresh token.</returns>
    public static async Task<Login.Response> LoginPairAsync(this HttpClient http, string email, string password)
    {
        var response = await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"login answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Login.Response>())!;
    }

    public static Task<HttpResponseMessage> RefreshAsync(this HttpClient http, string refreshToken) =>
        http.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken });

    /// <returns>The new pair, after asserting a 200.</returns>
    public static async Task<Login.Response> RefreshOkAsync(this HttpClient http, string refreshToken)
    {
        var response = await http.RefreshAsync(refreshToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"refresh answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<Login.Response>())!;
    }

    public static HttpClient WithToken(this HttpClient http, string token)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>Asserts a problem+json answer with the status, and returns its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        return problem;
    }
}
