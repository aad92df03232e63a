using Registration.Contracts;
using Registration.Messaging;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;
using TodoConsumer.Admin;
using TodoConsumer.Welcome;

namespace TodoConsumer;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(Extensions).Assembly);
        builder.AddJwtAuthentication();
        builder.AddClusterConnection();
        builder.AddQueueConsumer<UserGrainRouter, UserRegistered>();
        builder.AddTodoAdmin();
        return builder;
    }
}
