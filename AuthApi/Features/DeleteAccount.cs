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

    public static async Task<IResult> HandleAsync(
        HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, PasswordHashing hashing, ClusterConnection cluster, CancellationToken cancellationToken)
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
        var hash = userId is null ? null : await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT password_hash FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
        if (hash is null)
        {
            return AccountProblems.Deleted();
        }

        var check = await hashing.VerifyAsync(hash, body.Value.Password, cancellationToken);
        if (check is null)
        {
            return Problems.Busy(http);
        }

        if (!check.Matches)
        {
            return AccountProblems.WrongPassword();
        }

        var deletion = await cluster.RequireGrains().GetGrain<IAccountDeletionGrain>(userId!.Value).RequestAsync();
        return TypedResults.Accepted(DeletionView.Location, DeletionView.From(deletion));
    }
}
