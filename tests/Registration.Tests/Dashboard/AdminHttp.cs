using System.Net.Http.Json;
using System.Text.Json;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Dashboard;

public static class AdminHttp
{
    public static HttpClient WithAdminKey(this HttpClient http, string key = TestAdmin.Key)
    {
        http.DefaultRequestHeaders.Add("X-Admin-Key", key);
        return http;
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path) =>
        await http.GetFromJsonAsync<JsonElement>(path);

    public static long Long(this JsonElement json, string name) => json.GetProperty(name).GetInt64();
}
