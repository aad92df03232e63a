using System.Security.Claims;
using AuthApi.Deletion;
using AuthApi.Security;
using Dapper;
using Npgsql;
using Registration.Grains;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>
/// DELETE /api/v1/auth/me with the current password: schedules the account's erasure after Account:DeletionGrace (the
/// account deletion saga, one grain per account) and answers 202 with where to follow it. Asking again while a deletion
/// is under way answers the same deletion.
/// </summary>
public static class DeleteAccount
{
    public sealed record Request(string? Password);

    private sealed record StoredUser(string Email, string PasswordHash);

    public static async Task<IResult> HandleAsync(
        HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, PasswordHashing hashing, PasswordThrottle throttle, ClusterConnection cluster,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (string.IsNullOrEmpty(body.Value!.Password))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["password"] = ["Password is required."] });
        }

        var userId = principal.FindUserId();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = userId is null ? null : await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            "SELECT email, password_hash AS PasswordHash FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
        if (user is null)
        {
            return AccountProblems.Deleted();
        }

        if (await throttle.LockedForAsync(user.Email) is { } lockedFor)
        {
            return AccountProblems.TooManyWrongPasswords(http, lockedFor);
        }

        var check = await hashing.VerifyAsync(user.PasswordHash, body.Value.Password, cancellationToken);
        if (check is null)
        {
            return Problems.Busy(http);
        }

        if (!check.Matches)
        {
            await throttle.FailedAsync(user.Email);
            return AccountProblems.WrongPassword();
        }

        await throttle.SucceededAsync(user.Email);

        var deletion = await cluster.RequireGrains().GetGrain<IAccountDeletionGrain>(userId!.Value).RequestAsync();
        return TypedResults.Accepted(DeletionView.Location, DeletionView.From(deletion));
    }
}
