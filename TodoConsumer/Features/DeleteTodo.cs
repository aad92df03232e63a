using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;

namespace TodoConsumer.Features;

public static class DeleteTodo
{
    public static async Task<IResult> HandleAsync(Guid id, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken) =>
        await TodoRules.UserGrain(cluster, principal).DeleteTodoAsync(id).WaitAsync(cancellationToken)
            ? TypedResults.NoContent()
            : TodoRules.NotFound();
}
