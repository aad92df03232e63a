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

    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

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
