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
using Microsoft.Extensions.Options;
using StackExchange.Redis;

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
        builder.Services.AddOptions<PasswordThrottleOptions>().BindConfiguration(PasswordThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(ClusterIdentityOptions.Redis(builder.Configuration)));
        builder.Services.AddSingleton(services => new PasswordThrottle(
            services.GetRequiredService<IConnectionMultiplexer>(), services.GetRequiredService<IOptions<PasswordThrottleOptions>>(),
            ClusterIdentityOptions.From(builder.Configuration).ServiceId));
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<RefreshTokens>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
