using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// HTTP Basic with the one account of its scheme (<see cref="BasicAccountOptions"/>, see <see cref="AdminLogin"/>),
/// compared in constant time. Browsers ask for it once and send it with every request of the page; Prometheus sends
/// it as its basic_auth. Guards the operations dashboard and the silos' Orleans dashboard (the admin's account) and
/// every service's /metrics (the scraper's).
/// </summary>
public sealed class BasicAuthenticationHandler(
    IOptionsMonitor<BasicAccountOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder) : AuthenticationHandler<BasicAccountOptions>(options, logger, encoder)
{
    /// <summary>The admin's scheme.</summary>
    public const string SchemeName = "Basic";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !SchemeName.Equals(header.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter ?? ""));
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail("The Basic credentials are not valid base64."));
        }

        var separator = credentials.IndexOf(':', StringComparison.Ordinal);
        var user = separator < 0 ? credentials : credentials[..separator];
        var password = separator < 0 ? "" : credentials[(separator + 1)..];
        var userOk = FixedTimeEquals(user, Options.UserName);
        var passwordOk = FixedTimeEquals(password, Options.Password);
        if (!(userOk & passwordOk) || string.IsNullOrEmpty(Options.Password))
        {
            return Task.FromResult(AuthenticateResult.Fail("Wrong user name or password."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, Options.UserName)], Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    /// <summary>
    /// 401 with the Basic challenge; 403 while the account has no password (nobody can log in), as the admin API answers
    /// while no Admin:ApiKey is configured. The body is problem+json from the status-code pages of ServiceDefaults.
    /// </summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (string.IsNullOrEmpty(Options.Password))
        {
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Basic realm=\"{Options.Realm}\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }

    private static bool FixedTimeEquals(string offered, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(offered), Encoding.UTF8.GetBytes(expected));
}
