using AuthApi.Features;

namespace AuthApi;

public static class AuthEndpoints
{
    public static WebApplication MapAuthApi(this WebApplication app)
    {
        var auth = app.MapGroup("/api/v1/auth");
        auth.MapPost("/register", Register.HandleAsync);
        auth.MapPost("/login", Login.HandleAsync);
        auth.MapGet("/me", Me.HandleAsync).RequireAuthorization();
        auth.MapGet("/users/{id:guid}", Me.HandleByIdAsync).RequireAuthorization();
        return app;
    }
}
