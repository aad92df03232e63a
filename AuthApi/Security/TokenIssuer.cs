using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Registration.ServiceDefaults.Auth;

namespace AuthApi.Security;

/// <summary>Issues the HS256 access tokens that every service validates with the same <see cref="JwtOptions"/>.</summary>
public sealed class TokenIssuer(IOptions<JwtOptions> options, TimeProvider clock)
{
    private readonly JsonWebTokenHandler _handler = new();

    public (string Token, TimeSpan Lifetime) Issue(Guid userId, string email)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, userId.ToString()), new Claim(JwtRegisteredClaimNames.Email, email)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.AccessTokenLifetime,
            SigningCredentials = new SigningCredentials(settings.Key(), SecurityAlgorithms.HmacSha256),
        });
        return (token, settings.AccessTokenLifetime);
    }
}
