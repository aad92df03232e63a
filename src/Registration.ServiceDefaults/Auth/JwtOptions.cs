using System.ComponentModel.DataAnnotations;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Registration.ServiceDefaults.Auth;

/// <summary>HS256 token settings shared by the issuer (AuthApi) and every service that validates tokens.</summary>
public sealed class JwtOptions : IValidatableObject
{
    public const string Section = "Jwt";
    public const int MinimumKeyBytes = 32;

    [Required]
    public string Issuer { get; set; } = "registration-auth";

    [Required]
    public string Audience { get; set; } = "registration";

    /// <summary>At least 32 bytes (UTF-8). Required outside Development.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>
    /// How long an access token is accepted. Short, because a token cannot be recalled once issued: a logout, a password
    /// change or a revoked refresh token stops new access tokens, and the ones already out expire within this time.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "Jwt:AccessTokenLifetime must be between 00:01:00 and 1.00:00:00.")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a refresh token (AuthApi only) can be exchanged for a new pair; each exchange issues one with this lifetime anew.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00", ErrorMessage = "Jwt:RefreshTokenLifetime must be between 00:00:01 and 365.00:00:00.")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    public SymmetricSecurityKey Key() => new(Encoding.UTF8.GetBytes(SigningKey));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Encoding.UTF8.GetByteCount(SigningKey) < MinimumKeyBytes)
        {
            yield return new ValidationResult(
                $"Jwt:SigningKey must be at least {MinimumKeyBytes} bytes; set it in configuration (e.g. the Jwt__SigningKey environment variable).",
                [nameof(SigningKey)]);
        }
    }
}
