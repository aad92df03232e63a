using System.Net;
using System.Net.Http.Json;
using Registration.Tests.Infrastructure;
using Registration.Contracts;

namespace Registration.Tests.Todos;

/// <summary>The todo API with real tokens from AuthApi: a user sees and changes only their own todos.</summary>
public sealed class TodoApiTests : IAsyncLifetime
{
    private TestSystem _system = null!;
    private HttpClient _auth = null!;
    private ServiceHost<TodoConsumer.Program> _todos = null!;

    public async Task InitializeAsync()
    {
        _system = await TestSystem.CreateAsync();
        _auth = _system.StartAuthApi().CreateClient();
        await _system.StartSiloAsync();
        _todos = _system.StartTodoConsumer();
        await _todos.WaitClusterConnectedAsync();
    }

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Registered_user_sees_the_welcome_todo_and_manages_their_own_todos()
    {
        var alice = await SignInAsync();

        var welcome = await Eventually.ReturnsAsync(
            async () => await alice.GetFromJsonAsync<List<Todo>>("/api/v1/todos") ?? [],
            todos => todos.Count == 1,
            "the welcome todo in the user's list");
        Assert.Equal("Welcome to the App", welcome[0].Title);
        Assert.False(welcome[0].Completed);

        var created = await alice.PostAsJsonAsync("/api/v1/todos", new { title = "  Buy milk " });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var todo = (await created.Content.ReadFromJsonAsync<Todo>())!;
        Assert.Equal("Buy milk", todo.Title);
        Assert.Equal($"/api/v1/todos/{todo.Id}", created.Headers.Location?.ToString());

        var updated = await (await alice.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { completed = true })).Content.ReadFromJsonAsync<Todo>();
        Assert.True(updated!.Completed);
        Assert.Equal("Buy milk", updated.Title);
        var renamed = await (await alice.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { title = "Buy oat milk" })).Content.ReadFromJsonAsync<Todo>();
        Assert.Equal("Buy oat milk", renamed!.Title);
        Assert.True(renamed.Completed);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/todos/{todo.Id}")).StatusCode);
        await (await alice.GetAsync($"/api/v1/todos/{todo.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Single((await alice.GetFromJsonAsync<List<Todo>>("/api/v1/todos"))!);
    }

    [Fact]
    public async Task A_user_can_neither_see_nor_change_nor_delete_another_users_todos()
    {
        var alice = await SignInAsync();
        var bob = await SignInAsync();
        var todo = (await (await alice.PostAsJsonAsync("/api/v1/todos", new { title = "Alice's secret" })).Content.ReadFromJsonAsync<Todo>())!;

        await (await bob.GetAsync($"/api/v1/todos/{todo.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.PatchAsJsonAsync($"/api/v1/todos/{todo.Id}", new { title = "Bob was here", completed = true })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await bob.DeleteAsync($"/api/v1/todos/{todo.Id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await bob.GetFromJsonAsync<List<Todo>>("/api/v1/todos"))!, t => t.Id == todo.Id);

        var unchanged = (await alice.GetFromJsonAsync<Todo>($"/api/v1/todos/{todo.Id}"))!;
        Assert.Equal("Alice's secret", unchanged.Title);
        Assert.False(unchanged.Completed);
    }

    [Fact]
    public async Task Requests_without_a_valid_token_are_401()
    {
        var anonymous = _todos.CreateClient();
        await (await anonymous.GetAsync("/api/v1/todos")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PostAsJsonAsync("/api/v1/todos", new { title = "x" })).AssertProblemAsync(HttpStatusCode.Unauthorized);

        var forged = _todos.CreateClient().WithToken("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDEifQ.c2lnbmF0dXJl");
        await (await forged.GetAsync("/api/v1/todos")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string, string, string?, HttpStatusCode, string?> BadTodoRequests() => new()
    {
        { "POST", "{\"title\": \"\"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "POST", "{\"title\": \"   \"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "POST", $"{{\"title\": \"{new string('t', 201)}\"}}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "POST", "{\"title\": 42}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "POST", "{\"title\": ", "application/json", HttpStatusCode.BadRequest, "body" },
        { "POST", "{\"title\": \"x\"}", "text/plain", HttpStatusCode.UnsupportedMediaType, null },
        { "POST", $"{{\"title\": \"x\", \"pad\": \"{new string('p', 17 * 1024)}\"}}", "application/json", HttpStatusCode.RequestEntityTooLarge, null },
        { "POST", "{\"title\": \"Buy\\u0000milk\"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "POST", "{\"title\": \"Buy \\ud800 milk\"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "PATCH", "{}", "application/json", HttpStatusCode.BadRequest, "body" },
        { "PATCH", "{\"completed\": \"yes\"}", "application/json", HttpStatusCode.BadRequest, "completed" },
        { "PATCH", "{\"title\": \"\"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "PATCH", "{\"title\": \"Buy\\u0000milk\"}", "application/json", HttpStatusCode.BadRequest, "title" },
        { "PATCH", "{\"title\": \"Buy \\udc00 milk\", \"completed\": true}", "application/json", HttpStatusCode.BadRequest, "title" },
    };

    [Theory]
    [MemberData(nameof(BadTodoRequests))]
    public async Task Bad_todo_request_gets_a_problem_and_changes_nothing(string method, string body, string? contentType, HttpStatusCode expected, string? field)
    {
        var alice = await SignInAsync();
        var created = await alice.PostAsJsonAsync("/api/v1/todos", new { title = "original" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var todo = (await created.Content.ReadFromJsonAsync<Todo>())!;
        var content = new StringContent(body);
        content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        var request = new HttpRequestMessage(new HttpMethod(method), method == "POST" ? "/api/v1/todos" : $"/api/v1/todos/{todo.Id}") { Content = content };

        var problem = await (await alice.SendAsync(request)).AssertProblemAsync(expected);

        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        }

        var todos = (await alice.GetFromJsonAsync<List<Todo>>("/api/v1/todos"))!;
        Assert.Contains(todos, t => t.Id == todo.Id && t.Title == "original" && !t.Completed);
        Assert.DoesNotContain(todos, t => t.Title != "original" && t.Title != "Welcome to the App");
    }

    [Fact]
    public async Task The_list_comes_in_pages_linked_by_a_cursor_in_creation_order()
    {
        var alice = await SignInAsync();
        await Eventually.TrueAsync(async () => (await alice.GetFromJsonAsync<List<Todo>>("/api/v1/todos"))!.Count == 1, "the welcome todo");
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await alice.PostAsJsonAsync("/api/v1/todos", new { title = $"todo {i}" })).StatusCode);
        }

        var seen = new List<Todo>();
        var pages = 0;
        for (var next = "/api/v1/todos?limit=2"; next is not null && pages < 10; pages++)
        {
            var response = await alice.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = (await response.Content.ReadFromJsonAsync<List<Todo>>())!;
            Assert.InRange(page.Count, 1, 2);
            seen.AddRange(page);
            next = response.Headers.TryGetValues("Link", out var links) ? System.Text.RegularExpressions.Regex.Match(links.Single(), "^<([^>]+)>; rel=\"next\"$").Groups[1].Value : null;
        }

        Assert.Equal(3, pages); // 2 + 2 + 1, and no link after the last
        Assert.Equal(["Welcome to the App", "todo 1", "todo 2", "todo 3", "todo 4"], seen.Select(t => t.Title));
        var all = await alice.GetAsync("/api/v1/todos");
        Assert.Equal(5, (await all.Content.ReadFromJsonAsync<List<Todo>>())!.Count);
        Assert.False(all.Headers.Contains("Link"), "a link after a page that holds everything");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=two", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("after=nonsense", "after")]
    [InlineData("after=99999999999999999999_0123456789abcdef0123456789abcdef", "after")]
    [InlineData("after=1_not-a-guid", "after")]
    public async Task A_bad_page_request_is_a_400_naming_the_parameter(string query, string field)
    {
        var alice = await SignInAsync();

        var problem = await (await alice.GetAsync($"/api/v1/todos?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
    }

    private async Task<HttpClient> SignInAsync()
    {
        var email = ApiClient.NewEmail();
        await _auth.RegisterOkAsync(email, "grey stapler orbit");
        return _todos.CreateClient().WithToken(await _auth.LoginAsync(email, "grey stapler orbit"));
    }
}
