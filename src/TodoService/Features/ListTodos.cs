using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace TodoService.Features;

public static class ListTodos
{
    public static async Task<IResult> HandleAsync(ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var todos = await connection.QueryAsync<Todo>(new CommandDefinition(
            $"SELECT {Todo.Columns} FROM todos WHERE user_id = @userId ORDER BY created_at, id",
            new { userId = principal.FindUserId() },
            cancellationToken: cancellationToken));
        return TypedResults.Ok(todos);
    }
}
