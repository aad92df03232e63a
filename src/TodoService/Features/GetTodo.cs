using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace TodoService.Features;

public static class GetTodo
{
    public static async Task<IResult> HandleAsync(Guid id, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var todo = await connection.QuerySingleOrDefaultAsync<Todo>(new CommandDefinition(
            $"SELECT {Todo.Columns} FROM todos WHERE id = @id AND user_id = @userId",
            new { id, userId = principal.FindUserId() },
            cancellationToken: cancellationToken));
        return todo is null ? Todo.NotFound() : TypedResults.Ok(todo);
    }
}
