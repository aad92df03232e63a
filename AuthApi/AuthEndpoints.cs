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
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        auth.MapPost("/refresh", Refresh.HandleAsync)
            .WithName("Refresh")
            .WithSummary("Exchanges a refresh token for a new access and refresh token; the presented one is spent, and presenting a spent one revokes its family.")
            .Accepts<Refresh.Request>("application/json")
            .Produces<Login.Response>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        auth.MapPost("/logout", Logout.HandleAsync)
            .WithName("Logout")
            .WithSummary("Revokes the refresh token's family; 204 for an unknown or already revoked token too (RFC 7009).")
            .Accepts<Logout.Request>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        auth.MapGet("/me", Me.HandleAsync)
            .RequireAuthorization()
            .WithName("Me")
            .WithSummary("The signed-in user's account.")
            .Produces<Me.Response>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        auth.MapPatch("/me", UpdateProfile.HandleAsync)
            .RequireAuthorization()
            .WithName("UpdateProfile")
            .WithSummary("Sets the signed-in user's display name (1-100 characters, trimmed).")
            .Accepts<UpdateProfile.Request>("application/json")
            .Produces<Me.Response>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        auth.MapPost("/me/password", ChangePassword.HandleAsync)
            .RequireAuthorization()
            .WithName("ChangePassword")
            .WithSummary("Replaces the signed-in user's password after checking the current one; every refresh token of the user is revoked.")
            .Accepts<ChangePassword.Request>("application/json")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
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
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
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
