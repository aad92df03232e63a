using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Http;

namespace TodoService.Features;

/// <summary>PATCH: changes the title and/or the completed flag; omitted members stay as they are.</summary>
public static class UpdateTodo
{
    public sealed record Request(string? Title, bool? Completed);

    public static async Task<IResult> HandleAsync(Guid id, HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var request = body.Value!;
        string? title = null;
        if (request.Title is not null && Todo.ValidateTitle(request.Title, out title) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [error] });
        }

        if (request.Title is null && request.Completed is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Give a title, completed, or both."] });
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var todo = await connection.QuerySingleOrDefaultAsync<Todo>(new CommandDefinition(
            $"""
            UPDATE todos
            SET title = coalesce(@title, title), completed = coalesce(@completed, completed), updated_at = now()
            WHERE id = @id AND user_id = @userId
            RETURNING {Todo.Columns}
            """,
            new { id, userId = principal.FindUserId(), title, completed = request.Completed },
            cancellationToken: cancellationToken));
        return todo is null ? Todo.NotFound() : TypedResults.Ok(todo);
    }
}
