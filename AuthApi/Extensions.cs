using AuthApi.Admin;
using AuthApi.Deletion;
using AuthApi.Outbox;
using AuthApi.Security;
using Registration.Contracts;
using Registration.Messaging;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;

namespace AuthApi;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddDatabase(typeof(Extensions).Assembly);
        builder.AddJwtAuthentication();
        builder.AddOutboxWriter();
        builder.AddClusterConnection();
        builder.AddQueueConsumer<DeletionReplyRouter, AccountEvent>(QueueContract.AccountDeletion);
        builder.Services.AddSingleton<RelayWake>();
        builder.Services.AddSingleton<OrleansDirectory>();
        builder.Services.AddOptions<PasswordHashingOptions>().BindConfiguration(PasswordHashingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PasswordHashing>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<RefreshTokens>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
