using System.Globalization;
using System.Security.Claims;
using Registration.Contracts;
using Registration.ServiceDefaults.Cluster;

namespace TodoConsumer.Features;

/// <summary>
/// <c>GET /api/v1/todos?limit=N&amp;after=CURSOR</c>: a page of the user's todos in creation order, <see cref="DefaultLimit"/>
/// unless <c>limit</c> says otherwise (at most <see cref="MaxLimit"/>). When more follow, the <c>Link</c> header gives the
/// next page (<c>rel="next"</c>).
/// </summary>
public static class ListTodos
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    public static async Task<IResult> HandleAsync(
        string? limit, string? after, HttpContext http, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            return TodoRules.Invalid("limit", $"limit must be an integer from 1 to {MaxLimit}.");
        }

        TodoCursor? cursor = null;
        if (after is not null && !TodoCursor.TryParse(after, out cursor))
        {
            return TodoRules.Invalid("after", "after must be the cursor of a previous page's Link header.");
        }

        // One more than the page: whether a next page exists, without a count.
        var todos = await TodoRules.UserGrain(cluster, principal).ListTodosAsync(take + 1, cursor).WaitAsync(cancellationToken);
        if (todos.Count <= take)
        {
            return TypedResults.Ok(todos);
        }

        var page = todos.Take(take).ToList();
        http.Response.Headers.Link = $"</api/v1/todos?limit={take}&after={TodoCursor.After(page[^1])}>; rel=\"next\"";
        return TypedResults.Ok(page);
    }
}
