using AuthApi.Security;
using Npgsql;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/logout: revokes the family of the refresh token, so neither it nor any token rotated from it is
/// exchanged again. As OAuth token revocation (RFC 7009, section 2.2) prescribes, an unknown, expired or already revoked
/// token gets the same answer (204): the client's goal, the token no longer usable, is reached either way, and the answer
/// tells nobody whether a token exists. The access tokens already issued expire by themselves (Jwt:AccessTokenLifetime).
/// </summary>
public static class Logout
{
    public sealed record Request(string? RefreshToken);

    public static async Task<IResult> HandleAsync(HttpContext http, NpgsqlDataSource db, RefreshTokens refreshTokens, CancellationToken cancellationToken)
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
        await refreshTokens.RevokeFamilyAsync(connection, body.Value.RefreshToken, cancellationToken);
        return TypedResults.NoContent();
    }
}
