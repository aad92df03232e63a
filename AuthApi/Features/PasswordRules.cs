namespace AuthApi.Features;

/// <summary>What a new password must be, at registration and at a password change: only length rules, no composition rules.</summary>
public static class PasswordRules
{
    public const int MinLength = 8;
    public const int MaxLength = 128;

    /// <summary>The reason a new password is not acceptable, or null.</summary>
    /// <param name="password">The password as sent; null when the member is missing.</param>
    /// <param name="email">The account's email address (lower-cased), which the password must not be.</param>
    /// <param name="field">How the member is named in the messages ("Password", "New password").</param>
    public static string? Validate(string? password, string email, string field = "Password")
    {
        if (password is null)
        {
            return $"{field} is required.";
        }

        // Counted in Unicode scalar values, so a character outside the BMP counts once, as the user sees it.
        var length = password.EnumerateRunes().Count();
        if (length < MinLength)
        {
            return $"{field} must be at least {MinLength} characters.";
        }

        if (length > MaxLength)
        {
            return $"{field} must be at most {MaxLength} characters.";
        }

        return string.Equals(password.Trim(), email, StringComparison.OrdinalIgnoreCase) ? $"{field} must not be the email address." : null;
    }
}
