using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;

namespace TodoConsumer.Features;

public static class ListTodos
{
    public static async Task<IResult> HandleAsync(ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(await TodoRules.UserGrain(cluster, principal).ListTodosAsync().WaitAsync(cancellationToken));
}
