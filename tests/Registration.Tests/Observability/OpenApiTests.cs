using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

public sealed partial class OpenApiTests : IAsyncLifetime
{
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Every_auth_api_endpoint_is_in_the_openapi_document() =>
        await AssertDocumentedAsync(_system.StartAuthApi());

    [Fact]
    public async Task Every_todo_consumer_endpoint_is_in_the_openapi_document() =>
        await AssertDocumentedAsync(_system.StartTodoConsumer(("Consumer:Enabled", "false")));

    [Fact]
    public async Task Document_describes_bodies_errors_and_auth_and_swagger_ui_can_be_enabled()
    {
        var host = _system.StartAuthApi(("OpenApi:SwaggerUi", "true"));
        var http = host.CreateClient();
        var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json")).RootElement;

        var register = document.GetProperty("paths").GetProperty("/api/v1/auth/register").GetProperty("post");
        Assert.True(register.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(register.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(register.GetProperty("responses").GetProperty("409").GetProperty("content").TryGetProperty("application/problem+json", out _));
        var me = document.GetProperty("paths").GetProperty("/api/v1/auth/me").GetProperty("get");
        Assert.Equal("Bearer", me.GetProperty("security")[0].EnumerateObject().Single().Name);
        var cluster = document.GetProperty("paths").GetProperty("/api/v1/admin/cluster").GetProperty("get");
        Assert.Equal("AdminKey", cluster.GetProperty("security")[0].EnumerateObject().Single().Name);

        var swagger = await http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, swagger.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _system.StartAuthApi().CreateClient().GetAsync("/swagger/index.html")).StatusCode);
    }

    private static async Task AssertDocumentedAsync<T>(WebApplicationFactory<T> host)
        where T : class
    {
        var document = JsonDocument.Parse(await host.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement.GetProperty("paths");
        var documented = document.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(method => $"{method.Name.ToUpperInvariant()} {Normalize(path.Name)}"))
            .ToHashSet();

        var mapped = host.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.All(mapped, endpoint => Assert.Contains(endpoint, documented));
    }

    private static string Normalize(string route) => Constraint().Replace(route, "{$1}").TrimEnd('/');

    [GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial Regex Constraint();
}
