using System.Text;
using AuthApi.Features;
using AuthApi.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Bcrypt = BCrypt.Net.BCrypt;

namespace Registration.Tests.Auth;

/// <summary>The hash function on its own: BCrypt with the pre-hash, and what it does with the hashes written before it.</summary>
public sealed class PasswordHasherTests
{
    private readonly PasswordHasher _hasher = new(10);

    /// <summary>A hash as AuthApi wrote them before BCrypt: ASP.NET Core Identity V3, PBKDF2-HMAC-SHA512, 100,000 iterations.</summary>
    public static string OldSchemeHash(string password) =>
        new PasswordHasher<object>(Options.Create(new PasswordHasherOptions
        {
            CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
            IterationCount = 100_000,
        })).HashPassword(new object(), password);

    [Fact]
    public void New_hash_is_bcrypt_at_the_configured_work_factor_and_verifies_its_password_only()
    {
        var hash = _hasher.Hash("grey stapler orbit");

        Assert.StartsWith("$2", hash, StringComparison.Ordinal);
        Assert.Equal("10", Bcrypt.InterrogateHash(hash).WorkFactor);
        Assert.Equal(PasswordVerificationResult.Success, _hasher.Verify(hash, "grey stapler orbit"));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.Verify(hash, "a good passworD"));
    }

    [Theory]
    [InlineData("a", "b")]
    [InlineData("é", "è")] // two bytes each in UTF-8
    public void Passwords_differing_only_after_byte_72_do_not_verify_against_each_other(string filler, string other)
    {
        var prefix = string.Concat(Enumerable.Repeat(filler, 72 / Encoding.UTF8.GetByteCount(filler)));
        var first = prefix + string.Concat(Enumerable.Repeat(filler, 10));
        var second = prefix + other + string.Concat(Enumerable.Repeat(filler, 9));
        Assert.Equal(72, Encoding.UTF8.GetByteCount(prefix));
        // Plain bcrypt reads 72 bytes: without the pre-hash these two would be the same password.
        Assert.True(Bcrypt.Verify(second, Bcrypt.HashPassword(first, 4)), "the passwords must differ only after byte 72");

        var hash = _hasher.Hash(first);

        Assert.Equal(PasswordVerificationResult.Failed, _hasher.Verify(hash, second));
        Assert.Equal(PasswordVerificationResult.Success, _hasher.Verify(hash, first));
    }

    [Theory]
    [InlineData("😀")] // four bytes in UTF-8, two UTF-16 chars: 512 bytes in all
    [InlineData("密")]
    [InlineData("é")]
    public void Non_ascii_password_of_the_maximum_length_verifies(string character)
    {
        var password = string.Concat(Enumerable.Repeat(character, Register.MaxPasswordLength));
        var lastDiffers = string.Concat(Enumerable.Repeat(character, Register.MaxPasswordLength - 1)) + "x";

        var hash = _hasher.Hash(password);

        Assert.Equal(PasswordVerificationResult.Success, _hasher.Verify(hash, password));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.Verify(hash, lastDiffers));
    }

    [Fact]
    public void Old_pbkdf2_hash_verifies_and_asks_to_be_replaced()
    {
        var hash = OldSchemeHash("grey stapler orbit");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.Verify(hash, "grey stapler orbit"));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.Verify(hash, "another password"));
    }

    [Fact]
    public void Hash_of_a_lower_work_factor_asks_to_be_replaced_and_a_higher_one_does_not()
    {
        var lower = new PasswordHasher(10).Hash("grey stapler orbit");
        var higher = new PasswordHasher(11).Hash("grey stapler orbit");

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, new PasswordHasher(11).Verify(lower, "grey stapler orbit"));
        Assert.Equal(PasswordVerificationResult.Failed, new PasswordHasher(11).Verify(lower, "another password"));
        Assert.Equal(PasswordVerificationResult.Success, _hasher.Verify(higher, "grey stapler orbit"));
    }
}
