using BCrypt.Net;
using Microsoft.AspNetCore.Identity;
using Bcrypt = BCrypt.Net.BCrypt;
using Pbkdf2Hasher = Microsoft.AspNetCore.Identity.PasswordHasher<object>;

namespace AuthApi.Security;

/// <summary>
/// The hash function behind <see cref="PasswordHashing"/>'s queue. New hashes are BCrypt (BCrypt.Net-Next) at the
/// configured work factor, with the password pre-hashed by SHA-384 (the library's enhanced mode): bcrypt reads only
/// 72 bytes of its input, and the pre-hash makes every byte of a password count. Hashes written before BCrypt,
/// ASP.NET Core Identity's PBKDF2 (its own format, iteration count included), still verify; a stored hash is told
/// apart by its format (BCrypt's starts with "$2"). A PBKDF2 hash, or a BCrypt hash of a lower work factor, verifies as
/// <see cref="PasswordVerificationResult.SuccessRehashNeeded"/>.
/// </summary>
public sealed class PasswordHasher(int workFactor)
{
    private const HashType PreHash = HashType.SHA384;
    private static readonly Pbkdf2Hasher Pbkdf2 = new();
    private static readonly object User = new();

    public string Hash(string password) => Bcrypt.EnhancedHashPassword(password, workFactor, PreHash);

    public PasswordVerificationResult Verify(string hash, string password)
    {
        if (!IsBcrypt(hash))
        {
            return Pbkdf2.VerifyHashedPassword(User, hash, password) == PasswordVerificationResult.Failed
                ? PasswordVerificationResult.Failed
                : PasswordVerificationResult.SuccessRehashNeeded;
        }

        if (!Bcrypt.EnhancedVerify(password, hash, PreHash))
        {
            return PasswordVerificationResult.Failed;
        }

        return Bcrypt.PasswordNeedsRehash(hash, workFactor)
            ? PasswordVerificationResult.SuccessRehashNeeded
            : PasswordVerificationResult.Success;
    }

    private static bool IsBcrypt(string hash) => hash.StartsWith("$2", StringComparison.Ordinal);
}
