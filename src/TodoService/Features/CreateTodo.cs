using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Http;

namespace TodoService.Features;

public static class CreateTodo
{
    public sealed record Request(string? Title);

    public static async Task<IResult> HandleAsync(HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (Todo.ValidateTitle(body.Value!.Title, out var title) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [error] });
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var todo = await connection.QuerySingleAsync<Todo>(new CommandDefinition(
            $"INSERT INTO todos (id, user_id, title) VALUES (@id, @userId, @title) RETURNING {Todo.Columns}",
            new { id = Guid.CreateVersion7(), userId = principal.FindUserId(), title },
            cancellationToken: cancellationToken));
        return TypedResults.Created($"/api/v1/todos/{todo.Id}", todo);
    }
}
