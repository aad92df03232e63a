using AuthApi.Security;
using Npgsql;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/refresh: exchanges a refresh token for a new pair; the presented token is spent. A token that is
/// unknown, expired, revoked or already spent gets 401, and a spent one also revokes its family (reuse detection,
/// <see cref="RefreshTokens"/>). No bearer token needed: the refresh token is the credential.
/// </summary>
public static class Refresh
{
    public sealed record Request(string? RefreshToken);

    public static async Task<IResult> HandleAsync(
        HttpContext http, NpgsqlDataSource db, TokenIssuer tokens, RefreshTokens refreshTokens, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (string.IsNullOrEmpty(body.Value!.RefreshToken))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["refreshToken"] = ["Refresh token is required."] });
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rotation = await refreshTokens.RotateAsync(connection, body.Value.RefreshToken, cancellationToken);
        if (rotation is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Invalid refresh token.",
                detail: "The refresh token is unknown, expired, revoked or already used; log in again.");
        }

        return TypedResults.Ok(Login.Pair(tokens, rotation.UserId, rotation.Email, rotation.RefreshToken));
    }
}
