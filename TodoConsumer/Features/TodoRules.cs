using System.Security.Claims;
using Registration.Contracts;
using Registration.Grains;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;

namespace TodoConsumer.Features;

/// <summary>What every todo endpoint shares: the signed-in user's grain, the title rule, the 400 and the 404.</summary>
public static class TodoRules
{
    /// <summary>
    /// The signed-in user's grain. No reachable silo is a transient failure: a 503 problem with Retry-After. (Our own
    /// tokens always name the user; one that does not is refused like a missing token.)
    /// </summary>
    public static IUserGrain UserGrain(ClusterConnection cluster, ClaimsPrincipal principal) =>
        cluster.RequireGrains().GetGrain<IUserGrain>(
            principal.FindUserId() ?? throw new BadHttpRequestException("The token names no user.", StatusCodes.Status401Unauthorized));

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    public static IResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Todo not found.");

    /// <summary>Trimmed title, or the reason it is not acceptable.</summary>
    public static string? ValidateTitle(string? title, out string trimmed)
    {
        trimmed = title?.Trim() ?? "";
        return trimmed.Length switch
        {
            0 => "Title is required.",
            > Todo.MaxTitleLength => $"Title must be at most {Todo.MaxTitleLength} characters.",
            _ => null,
        };
    }
}
