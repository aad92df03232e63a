using System.Security.Claims;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Http;

namespace TodoConsumer.Features;

/// <summary>PATCH: changes the title and/or the completed flag; omitted members stay as they are.</summary>
public static class UpdateTodo
{
    public sealed record Request(string? Title, bool? Completed);

    public static async Task<IResult> HandleAsync(Guid id, HttpContext http, ClaimsPrincipal principal, ClusterConnection cluster, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var request = body.Value!;
        string? title = null;
        if (request.Title is not null && TodoRules.ValidateTitle(request.Title, out title) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["title"] = [error] });
        }

        if (request.Title is null && request.Completed is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Give a title, completed, or both."] });
        }

        var todo = await TodoRules.UserGrain(cluster, principal).UpdateTodoAsync(id, title, request.Completed).WaitAsync(cancellationToken);
        return todo is null ? TodoRules.NotFound() : TypedResults.Ok(todo);
    }
}
