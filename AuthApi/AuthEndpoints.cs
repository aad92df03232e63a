using AuthApi.Deletion;
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
        auth.MapDelete("/me", DeleteAccount.HandleAsync)
            .RequireAuthorization()
            .WithName("DeleteAccount")
            .WithSummary("Schedules the erasure of the signed-in user's account, everywhere, after the grace period (Account:DeletionGrace).")
            .Accepts<DeleteAccount.Request>("application/json")
            .Produces<DeletionView>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        auth.MapGet("/me/deletion", GetDeletion.HandleAsync)
            .RequireAuthorization()
            .WithName("GetAccountDeletion")
            .WithSummary("The signed-in user's account deletion: its state, when the erasure begins, and each service's step.")
            .Produces<DeletionView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        auth.MapPost("/me/deletion/cancel", CancelDeletion.HandleAsync)
            .RequireAuthorization()
            .WithName("CancelAccountDeletion")
            .WithSummary("Cancels the account deletion during its grace period; the account stays as it was.")
            .Produces<DeletionView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }
}
