using System.Globalization;

namespace AuthApi.Deletion;

public static class AccountProblems
{
    public const string WrongPasswordTitle = "The current password is wrong.";

    /// <summary>A signed-in user's own password did not match (changing it, deleting the account).</summary>
    public static IResult WrongPassword() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: WrongPasswordTitle);

    /// <summary>Too many wrong passwords for the account (<see cref="Security.PasswordThrottle"/>): refused before any hash is computed.</summary>
    public static IResult TooManyWrongPasswords(HttpContext http, TimeSpan lockedFor)
    {
        var seconds = (int)Math.Ceiling(lockedFor.TotalSeconds);
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many wrong passwords for this account.",
            detail: $"Password attempts for this account are refused for {seconds} s; each further wrong password doubles the wait.");
    }

    /// <summary>The token's user no longer exists: it was erased. Its token is refused like any invalid one.</summary>
    public static IResult Deleted() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "This account was deleted.");

    public static IResult NoDeletion() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No deletion of this account is under way.");
}
