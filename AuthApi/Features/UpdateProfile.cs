using System.Security.Claims;
using System.Text;
using Dapper;
using Npgsql;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Features;

/// <summary>PATCH /api/v1/auth/me: sets the signed-in user's display name; answers the account as GET /me does.</summary>
public static class UpdateProfile
{
    public const int MaxDisplayNameLength = 100;

    public sealed record Request(string? DisplayName);

    public static async Task<IResult> HandleAsync(HttpContext http, ClaimsPrincipal principal, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (ValidateDisplayName(body.Value!.DisplayName, out var displayName) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["displayName"] = [error] });
        }

        var userId = principal.FindUserId();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET display_name = @displayName WHERE id = @userId", new { userId, displayName }, cancellationToken: cancellationToken));
        return await Me.FindAsync(userId, db, cancellationToken);
    }

    /// <summary>
    /// The trimmed name, or the reason it is not acceptable: 1 to 100 characters, counted in Unicode scalar values as the
    /// password is, and no control characters (line breaks, tabs, escapes: a name is shown on one line). Text that cannot
    /// be stored at all (NUL, lone surrogates) never gets here: the body reader refuses it.
    /// </summary>
    public static string? ValidateDisplayName(string? value, out string trimmed)
    {
        trimmed = value?.Trim() ?? "";
        var length = trimmed.EnumerateRunes().Count();
        if (length == 0)
        {
            return "Display name is required.";
        }

        if (length > MaxDisplayNameLength)
        {
            return $"Display name must be at most {MaxDisplayNameLength} characters.";
        }

        return trimmed.EnumerateRunes().Any(Rune.IsControl) ? "Display name must not contain control characters." : null;
    }
}
