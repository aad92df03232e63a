using CapPeer.Features;
using DotNetCore.CAP;
using Npgsql;

namespace CapPeer;

public static class PeerExtensions
{
    public static WebApplicationBuilder AddPeer(this WebApplicationBuilder builder)
    {
        var peer = PeerOptions.From(builder.Configuration);
        var db = NpgsqlDataSource.Create(peer.ConnectionString!);
        builder.Services.AddSingleton(peer);
        builder.Services.AddSingleton(db);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();

        // Before CAP's bootstrapper, so the tables exist when its consumers start.
        builder.Services.AddHostedService<PeerSchema>();
        builder.Services.AddCap(cap => CapSettings.Apply(cap, peer, db, builder.Configuration));
        if (peer.Consumes)
        {
            // CAP subscribes to what it finds registered as ICapSubscribe: a producer registers nothing and consumes nothing.
            builder.Services.AddSingleton<ICapSubscribe, WelcomeTodoSubscriber>();
        }

        // CAP logs every message it runs at Information, and ASP.NET Core every request: both are noise under load.
        builder.Logging.AddFilter("DotNetCore.CAP", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        return builder;
    }

    public static WebApplication MapPeerApi(this WebApplication app)
    {
        var peer = app.Services.GetRequiredService<PeerOptions>();
        app.MapGet("/ready", Ready.HandleAsync);
        if (peer.Produces)
        {
            app.MapPost("/register", Register.HandleAsync);
            app.MapPost("/register-batch", RegisterBatch.HandleAsync);
        }

        return app;
    }
}
