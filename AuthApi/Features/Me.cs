using System.Security.Claims;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace AuthApi.Features;

/// <summary>GET /api/v1/auth/me (and /users/{id}, only for one's own id): the signed-in user's account.</summary>
public static class Me
{
    /// <param name="DisplayName">Null until set (PATCH /api/v1/auth/me).</param>
    public sealed record Response(Guid UserId, string Email, DateTime CreatedAt, string? DisplayName);

    public static Task<IResult> HandleAsync(ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        FindAsync(principal.FindUserId(), db, cancellationToken);

    public static Task<IResult> HandleByIdAsync(Guid id, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        id == principal.FindUserId() ? FindAsync(id, db, cancellationToken) : Task.FromResult(NotFound());

    private static async Task<IResult> FindAsync(Guid? userId, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (userId is null)
        {
            return NotFound();
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<Response>(new CommandDefinition(
            "SELECT id AS UserId, email, created_at AS CreatedAt, display_name AS DisplayName FROM users WHERE id = @userId",
            new { userId },
            cancellationToken: cancellationToken));
        return user is null ? NotFound() : TypedResults.Ok(user);
    }

    public static IResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found.");
}
