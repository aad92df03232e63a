namespace AuthApi.Deletion;

public static class AccountProblems
{
    public const string WrongPasswordTitle = "The current password is wrong.";

    /// <summary>A signed-in user's own password did not match (changing it, deleting the account).</summary>
    public static IResult WrongPassword() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: WrongPasswordTitle);

    /// <summary>The token's user no longer exists: it was erased. Its token is refused like any invalid one.</summary>
    public static IResult Deleted() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "This account was deleted.");

    public static IResult NoDeletion() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No deletion of this account is under way.");
}
