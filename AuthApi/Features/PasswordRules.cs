using Zxcvbn.Matcher;

namespace AuthApi.Features;

/// <summary>
/// What a new password must be, at registration and at a password change, after NIST SP 800-63B: 8 to 128 characters
/// as the user types them, no composition rules, and not easy to guess: zxcvbn must score it at least
/// <see cref="MinScore"/> of 4, with the email address as something an attacker knows. Only new passwords are judged:
/// an account whose password predates a rule still logs in.
/// </summary>
public static class PasswordRules
{
    public const int MinLength = 8;
    public const int MaxLength = 128;
    public const int MinScore = 3;

    /// <summary>The reason a new password is not acceptable, or null.</summary>
    /// <param name="password">The password as sent; null when the member is missing.</param>
    /// <param name="email">The account's email address (lower-cased), which the password must not be nor be made of.</param>
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

        if (string.Equals(password.Trim(), email, StringComparison.OrdinalIgnoreCase))
        {
            return $"{field} must not be the email address.";
        }

        var guess = Zxcvbn.Zxcvbn.MatchPassword(password, UserInputs(email));
        return guess.Score >= MinScore
            ? null
            : $"{field} is too easy to guess: {Weaknesses(guess)}. A few unrelated words, or a longer password, are much harder to guess.";
    }

    /// <summary>The email address, its local part and the words in it: what an attacker who knows the account tries first.</summary>
    private static List<string> UserInputs(string email)
    {
        var local = email.Split('@')[0];
        return [email, local, .. local.Split(['.', '_', '-', '+'], StringSplitOptions.RemoveEmptyEntries).Where(part => part.Length >= 3)];
    }

    /// <summary>Why zxcvbn found it easy, in words: the kinds of patterns it matched, most telling first.</summary>
    private static string Weaknesses(Zxcvbn.Result guess)
    {
        var found = guess.MatchSequence
            .Select(match => match switch
            {
                DictionaryMatch { DictionaryName: "user_inputs" } => "it contains the email address or a part of it",
                DictionaryMatch { DictionaryName: "passwords" } => "it is or contains a commonly used password",
                DictionaryMatch { Token.Length: >= 3 } => "it is made of common words or names",
                RepeatMatch => "it repeats characters",
                SequenceMatch => "it contains a sequence such as abc or 123",
                SpatialMatch => "it contains a keyboard pattern such as qwerty",
                { Pattern: "date" } => "it contains a date",
                _ => null,
            })
            .OfType<string>()
            .Distinct()
            .ToList();
        return found.Count > 0 ? string.Join("; ", found) : "it is too short for the characters it uses";
    }
}
