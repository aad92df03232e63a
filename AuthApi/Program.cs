using AuthApi.Admin;
using Registration.ServiceDefaults;

namespace AuthApi;

public sealed class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddApplicationServices();

        var app = builder.Build();
        app.UseServiceDefaults();
        // Tokens, accounts and problems about them: no browser or proxy keeps any answer of this service.
        app.Use((http, next) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            return next(http);
        });
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.MapAuthApi();
        app.MapClusterAdminApi();
        app.MapOutboxAdminApi();
        app.MapAccountDeletionAdminApi();
        app.Run();
    }
}
