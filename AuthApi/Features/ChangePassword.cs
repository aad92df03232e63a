using AuthApi.Deletion;
using System.Security.Claims;
using AuthApi.Security;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/me/password: replaces the signed-in user's password after checking the current one. The new
/// password follows the registration rules (<see cref="PasswordRules"/>) and is hashed by the same bounded
/// <see cref="PasswordHashing"/> (503 when saturated). The new hash and the revocation of every refresh token of the user
/// commit together, so no session started with the old password outlives the change by more than an access token's lifetime.
/// </summary>
public static partial class ChangePassword
{

    public sealed record Request(string? CurrentPassword, string? NewPassword);

    private sealed record StoredUser(string Email, string PasswordHash);

    public static async Task<IResult> HandleAsync(
        HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, PasswordHashing hashing, PasswordThrottle throttle, RefreshTokens refreshTokens,
        ILogger<Request> logger, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var userId = principal.FindUserId();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            "SELECT email, password_hash AS PasswordHash FROM users WHERE id = @userId",
            new { userId },
            cancellationToken: cancellationToken));
        if (user is null)
        {
            return AccountProblems.Deleted();
        }

        var errors = Validate(body.Value!, user.Email);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await throttle.LockedForAsync(user.Email) is { } lockedFor)
        {
            return AccountProblems.TooManyWrongPasswords(http, lockedFor);
        }

        var check = await hashing.VerifyAsync(user.PasswordHash, body.Value!.CurrentPassword!, cancellationToken);
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

        var newHash = await hashing.HashAsync(body.Value.NewPassword!, cancellationToken);
        if (newHash is null)
        {
            return Problems.Busy(http);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Guarded by the hash that was checked: of two changes at once, the second finds the password changed, as if wrong.
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @newHash WHERE id = @userId AND password_hash = @oldHash",
            new { userId, newHash, oldHash = user.PasswordHash },
            transaction,
            cancellationToken: cancellationToken));
        if (updated == 0)
        {
            return AccountProblems.WrongPassword();
        }

        await refreshTokens.RevokeAllAsync(connection, transaction, userId!.Value, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        LogChanged(logger, userId.Value);
        return TypedResults.NoContent();
    }

    public static Dictionary<string, string[]> Validate(Request request, string email)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword))
        {
            errors["currentPassword"] = ["Current password is required."];
        }

        if (PasswordRules.Validate(request.NewPassword, email, "New password") is { } error)
        {
            errors["newPassword"] = [error];
        }

        return errors;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Password of user {UserId} changed; its refresh tokens revoked")]
    private static partial void LogChanged(ILogger logger, Guid userId);
}
