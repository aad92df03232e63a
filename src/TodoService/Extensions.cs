using Registration.Contracts;
using Registration.Messaging;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;
using TodoService.Admin;
using TodoService.Welcome;

namespace TodoService;

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
