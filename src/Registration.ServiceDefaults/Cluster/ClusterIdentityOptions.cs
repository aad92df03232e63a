using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Registration.ServiceDefaults.Cluster;

/// <summary>Which Orleans cluster the silos form and the clients join (section "Orleans"), and where its membership is.</summary>
public sealed class ClusterIdentityOptions
{
    public const string Section = "Orleans";

    [Required]
    public string ClusterId { get; set; } = "registration";

    [Required]
    public string ServiceId { get; set; } = "registration";

    public static ClusterIdentityOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<ClusterIdentityOptions>() ?? new ClusterIdentityOptions();

    /// <summary>ConnectionStrings:Redis (membership and reminders); a process started before Redis keeps trying instead of failing.</summary>
    public static ConfigurationOptions Redis(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new OptionsValidationException("ConnectionStrings:Redis", typeof(ConfigurationOptions),
                ["ConnectionStrings:Redis is not set (e.g. 127.0.0.1:6380)."]);
        }

        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return options;
    }
}
