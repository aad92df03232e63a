using AuthApi.Deletion;
using AuthApi.Security;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/login: a short-lived JWT access token and a refresh token (a new family, see
/// <see cref="RefreshTokens"/>) for a correct email and password. An unknown email and a wrong
/// password give the same 401 after the same work (one hash verification), so neither leaks which it was.
/// Wrong passwords are counted per email, known or not (<see cref="PasswordThrottle"/>): past the limit the answer is 429.
/// A stored hash of an old scheme (PBKDF2) or of a lower work factor is replaced in the same request once the
/// password matched it.
/// </summary>
public static class Login
{
    public sealed record Request(string? Email, string? Password);

    /// <summary>The token pair; also the answer of a refresh.</summary>
    /// <param name="ExpiresIn">Seconds the access token is accepted for.</param>
    public sealed record Response(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken);

    private sealed record StoredUser(Guid Id, string Email, string PasswordHash);

    public static async Task<IResult> HandleAsync(
        HttpContext http, NpgsqlDataSource db, PasswordHashing hashing, PasswordThrottle throttle, TokenIssuer tokens, RefreshTokens refreshTokens,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(body.Value!.Email))
        {
            errors["email"] = ["Email is required."];
        }

        if (string.IsNullOrEmpty(body.Value.Password))
        {
            errors["password"] = ["Password is required."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var email = body.Value.Email!.Trim().ToLowerInvariant();
        if (await throttle.LockedForAsync(email) is { } lockedFor)
        {
            return AccountProblems.TooManyWrongPasswords(http, lockedFor);
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var user = await connection.QuerySingleOrDefaultAsync<StoredUser>(new CommandDefinition(
            "SELECT id, email, password_hash AS PasswordHash FROM users WHERE email = @email",
            new { email },
            cancellationToken: cancellationToken));

        var check = await hashing.VerifyAsync(user?.PasswordHash, body.Value.Password!, cancellationToken);
        if (check is null)
        {
            return Problems.Busy(http);
        }

        if (user is null || !check.Matches)
        {
            await throttle.FailedAsync(email);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid email or password.");
        }

        await throttle.SucceededAsync(email);
        if (check.NewHash is not null)
        {
            await ReplaceHashAsync(connection, user.Id, user.PasswordHash, check.NewHash, cancellationToken);
        }

        var refreshToken = await refreshTokens.IssueAsync(connection, user.Id, cancellationToken);
        return TypedResults.Ok(Pair(tokens, user.Id, user.Email, refreshToken));
    }

    /// <summary>A new access token for the user, with <paramref name="refreshToken"/>.</summary>
    public static Response Pair(TokenIssuer tokens, Guid userId, string email, string refreshToken)
    {
        var (token, lifetime) = tokens.Issue(userId, email);
        return new Response(token, "Bearer", (int)lifetime.TotalSeconds, refreshToken);
    }

    // A password changed since the hash was read wins: the guard leaves it, and the upgrade is then not needed.
    private static Task ReplaceHashAsync(NpgsqlConnection connection, Guid id, string oldHash, string newHash, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @newHash WHERE id = @id AND password_hash = @oldHash",
            new { id, oldHash, newHash },
            cancellationToken: cancellationToken));
}
