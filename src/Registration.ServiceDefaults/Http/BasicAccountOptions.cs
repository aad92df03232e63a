using Microsoft.AspNetCore.Authentication;

namespace Registration.ServiceDefaults.Http;

/// <summary>The one account an HTTP Basic scheme of <see cref="BasicAuthenticationHandler"/> accepts.</summary>
public sealed class BasicAccountOptions : AuthenticationSchemeOptions
{
    public string UserName { get; set; } = "";

    /// <summary>Empty: nobody can log in, and the challenge is a 403.</summary>
    public string Password { get; set; } = "";

    public string Realm { get; set; } = "";
}
