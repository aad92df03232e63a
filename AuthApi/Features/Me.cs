using System.Security.Claims;
using AuthApi.Deletion;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace AuthApi.Features;

/// <summary>
/// GET /api/v1/auth/me (and /users/{id}, only for one's own id): the signed-in user's account, with the time its erasure
/// begins while a deletion is under way. A valid token whose user is gone (erased) is refused: 401.
/// </summary>
public static class Me
{
    /// <param name="DisplayName">Null until set (PATCH /api/v1/auth/me).</param>
    /// <param name="DeletionScheduledFor">When the account's erasure begins (DELETE /api/v1/auth/me); null when no deletion is under way.</param>
    public sealed record Response(Guid UserId, string Email, DateTime CreatedAt, string? DisplayName, DateTime? DeletionScheduledFor);

    public static Task<IResult> HandleAsync(ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        FindAsync(principal.FindUserId(), db, cancellationToken);

    public static Task<IResult> HandleByIdAsync(Guid id, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken) =>
        id == principal.FindUserId() ? FindAsync(id, db, cancellationToken) : Task.FromResult(NotFound());

    public static async Task<IResult> FindAsync(Guid? userId, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        if (userId is null)
        {
            return NotFound();
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<Response>(new CommandDefinition(
            """
            SELECT u.id AS UserId, u.email, u.created_at AS CreatedAt, u.display_name AS DisplayName, d.erase_after AS DeletionScheduledFor
            FROM users u
            LEFT JOIN account_deletions d ON d.user_id = u.id AND d.state IN ('Scheduled', 'Erasing', 'Stuck')
            WHERE u.id = @userId
            """,
            new { userId },
            cancellationToken: cancellationToken));
        return user is null ? AccountProblems.Deleted() : TypedResults.Ok(user); // a valid token whose user is gone: it was erased
    }

    public static IResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found.");
}
