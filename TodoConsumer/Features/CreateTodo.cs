using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Http;

namespace TodoConsumer.Features;

public static class CreateTodo
{
    public sealed record Request(string? Title);

    public static async Task<IResult> HandleAsync(HttpContext http, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        if (TodoRules.ValidateTitle(body.Value!.Title, out var title) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [error] });
        }

        var todo = await TodoRules.UserGrain(cluster, principal).CreateTodoAsync(title).WaitAsync(cancellationToken);
        return TypedResults.Created($"/api/v1/todos/{todo.Id}", todo);
    }
}
