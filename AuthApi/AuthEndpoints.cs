using AuthApi.Features;

namespace AuthApi;

public static class AuthEndpoints
{
    public static WebApplication MapAuthApi(this WebApplication app)
    {
        var auth = app.MapGroup("/api/v1/auth").WithTags("Auth");
        auth.MapPost("/register", Register.HandleAsync)
            .WithName("Register")
            .WithSummary("Registers a user: the user and its USER_REGISTERED outbox event commit together.")
            .Accepts<Register.Request>("application/json")
            .Produces<Register.Response>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        auth.MapPost("/login", Login.HandleAsync)
            .WithName("Login")
            .WithSummary("Exchanges email and password for a JWT access token.")
            .Accepts<Login.Request>("application/json")
            .Produces<Login.Response>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        auth.MapGet("/me", Me.HandleAsync)
            .RequireAuthorization()
            .WithName("Me")
            .WithSummary("The signed-in user's account.")
            .Produces<Me.Response>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        auth.MapGet("/users/{id:guid}", Me.HandleByIdAsync)
            .RequireAuthorization()
            .WithName("GetUser")
            .WithSummary("A user's account; only one's own (404 otherwise).")
            .Produces<Me.Response>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }
}
