using TodoService.Features;

namespace TodoService;

public static class TodoEndpoints
{
    public static WebApplication MapTodoApi(this WebApplication app)
    {
        var todos = app.MapGroup("/api/v1/todos").RequireAuthorization();
        todos.MapGet("/", ListTodos.HandleAsync);
        todos.MapGet("/{id:guid}", GetTodo.HandleAsync);
        todos.MapPost("/", CreateTodo.HandleAsync);
        todos.MapPatch("/{id:guid}", UpdateTodo.HandleAsync);
        todos.MapDelete("/{id:guid}", DeleteTodo.HandleAsync);
        return app;
    }
}
