using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Registration.ServiceDefaults.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The user id in the token's <c>sub</c> claim, or null when it is missing or not a GUID.</summary>
    public static Guid? FindUserId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(JwtRegisteredClaimNames.Sub), out var id) ? id : null;
}
