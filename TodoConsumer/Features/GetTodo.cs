using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;

namespace TodoConsumer.Features;

public static class GetTodo
{
    public static async Task<IResult> HandleAsync(Guid id, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken) =>
        await TodoRules.UserGrain(cluster, principal).GetTodoAsync(id).WaitAsync(cancellationToken) is { } todo
            ? TypedResults.Ok(todo)
            : TodoRules.NotFound();
}
