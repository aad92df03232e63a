using Registration.Contracts;
using TodoConsumer.Features;

namespace TodoConsumer;

public static class TodoEndpoints
{
    public static WebApplication MapTodoApi(this WebApplication app)
    {
        var todos = app.MapGroup("/api/v1/todos")
            .RequireAuthorization()
            .WithTags("Todos")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        todos.MapGet("/", ListTodos.HandleAsync)
            .WithName("ListTodos").WithSummary("A page of the signed-in user's todos in creation order, the welcome todo included (limit, default 100, at most 500); a Link header (rel=next) gives the next page.")
            .Produces<Todo[]>()
            .ProducesValidationProblem();
        todos.MapGet("/{id:guid}", GetTodo.HandleAsync)
            .WithName("GetTodo").WithSummary("One of the signed-in user's todos.")
            .Produces<Todo>().ProducesProblem(StatusCodes.Status404NotFound);
        todos.MapPost("/", CreateTodo.HandleAsync)
            .WithName("CreateTodo").WithSummary("Creates a todo.")
            .Accepts<CreateTodo.Request>("application/json")
            .Produces<Todo>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        todos.MapPatch("/{id:guid}", UpdateTodo.HandleAsync)
            .WithName("UpdateTodo").WithSummary("Changes the title and/or the completed flag.")
            .Accepts<UpdateTodo.Request>("application/json")
            .Produces<Todo>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        todos.MapDelete("/{id:guid}", DeleteTodo.HandleAsync)
            .WithName("DeleteTodo").WithSummary("Deletes a todo.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
