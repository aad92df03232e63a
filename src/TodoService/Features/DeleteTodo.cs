using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace TodoService.Features;

public static class DeleteTodo
{
    public static async Task<IResult> HandleAsync(Guid id, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM todos WHERE id = @id AND user_id = @userId",
            new { id, userId = principal.FindUserId() },
            cancellationToken: cancellationToken));
        return deleted == 0 ? Todo.NotFound() : TypedResults.NoContent();
    }
}
