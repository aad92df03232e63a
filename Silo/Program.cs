using Registration.ServiceDefaults;

namespace Registration.Silo;

public sealed class Program
{
    public static void Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.AddSilo();

        var app = builder.Build();
        app.UseServiceDefaults();
        app.UseAuthentication(); // the admin login of /metrics
        app.UseAuthorization();
        app.MapDefaultEndpoints();
        app.Run();
    }
}
