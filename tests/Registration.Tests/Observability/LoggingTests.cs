using System.Net.Http.Json;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Observability;

public sealed class LoggingTests : IAsyncLifetime
{
    private static readonly (string, string?)[] Verbose = [("Logging:LogLevel:Default", "Debug"), ("Logging:LogLevel:Microsoft", "Debug")];
    private TestSystem _system = null!;

    public async Task InitializeAsync() => _system = await TestSystem.CreateAsync();

    public async Task DisposeAsync() => await _system.DisposeAsync();

    [Fact]
    public async Task Logs_carry_correlation_event_and_user_ids_and_never_a_password_hash_or_token()
    {
        var auth = _system.StartAuthApi(Verbose);
        var todo = _system.StartTodoConsumer(Verbose);
        var silo = await _system.StartSiloAsync([.. Verbose, ("Logging:LogLevel:Registration", "Debug")]);
        var http = auth.CreateClient();
        const string password = "Sup3r-Secret-Passw0rd!";
        var email = ApiClient.NewEmail();

        var registered = await (await http.RegisterAsync(email, password, correlationId: "log-check-1")).Content.ReadFromJsonAsync<AuthApi.Features.Register.Response>();
        var token = await http.LoginAsync(email, password);
        await http.PostAsJsonAsync("/api/v1/auth/login", new { email, password = password + "-wrong" });
        var todos = todo.CreateClient().WithToken(token);
        await Eventually.ReturnsAsync(async () => (await todos.GetFromJsonAsync<List<Registration.Contracts.Todo>>("/api/v1/todos"))!.Count, n => n == 1, "the welcome todo");
        var hash = await _system.AuthScalarAsync<string>("SELECT password_hash FROM users WHERE id = @id", new { id = registered!.UserId });

        var everything = auth.Logs.Entries.Concat(todo.Logs.Entries).Select(e => e.Text()).Concat(silo.Output).ToList();
        Assert.True(everything.Count > 20, $"expected verbose logs, got {everything.Count} entries");
        Assert.Contains(silo.Output, line => line.Contains(registered!.EventId.ToString(), StringComparison.Ordinal) || line.Contains("partition", StringComparison.Ordinal));
        foreach (var text in everything)
        {
            Assert.DoesNotContain(password, text, StringComparison.Ordinal);
            Assert.DoesNotContain(hash, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], text, StringComparison.Ordinal);
        }

        var registeredLine = Assert.Single(auth.Logs.Entries, e => e.Message.StartsWith("Registered user", StringComparison.Ordinal));
        Assert.Equal("log-check-1", registeredLine.Fields["CorrelationId"]);
        Assert.Equal(registered.UserId.ToString(), registeredLine.Fields["UserId"]);
        Assert.Equal(registered.EventId.ToString(), registeredLine.Fields["EventId"]);

        // The user's grain applied it on the silo: its JSON log line carries the same ids.
        var consumedLine = Assert.Single(silo.Output, line => line.Contains("WelcomeTodoWriter", StringComparison.Ordinal) && line.Contains(registered.EventId.ToString(), StringComparison.Ordinal));
        Assert.Contains("\"CorrelationId\":\"log-check-1\"", consumedLine, StringComparison.Ordinal);
        Assert.Contains($"\"UserId\":\"{registered.UserId}\"", consumedLine, StringComparison.Ordinal);
    }
}
