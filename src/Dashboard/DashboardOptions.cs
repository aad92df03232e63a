using System.ComponentModel.DataAnnotations;

namespace Dashboard;

/// <summary>Where the dashboard reads from. The admin credential is Admin:ApiKey, shared with the services.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>AuthApi base URLs (instances or the gateway); the first that answers serves the cluster-wide views.</summary>
    [Required]
    [MinLength(1)]
    public string[] AuthApiUrls { get; set; } = [];

    /// <summary>TodoConsumer base URLs; each is also asked for its own per-instance counters.</summary>
    [Required]
    [MinLength(1)]
    public string[] TodoConsumerUrls { get; set; } = [];

    [Required]
    public string RabbitMqManagementUrl { get; set; } = "";

    [Required]
    public string RabbitMqUser { get; set; } = "";

    [Required]
    public string RabbitMqPassword { get; set; } = "";

    [Required]
    public string RabbitMqVirtualHost { get; set; } = "/";

    /// <summary>How long one call to a service or to the management API may take.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:30")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the page asks for a new state.</summary>
    [Range(1, 60)]
    public int RefreshSeconds { get; set; } = 2;

    /// <summary>Dead letters shown at most.</summary>
    [Range(1, 500)]
    public int DeadLetterListLimit { get; set; } = 50;

    public static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Every URL of the options that is not an absolute http(s) URL.</summary>
    public IEnumerable<string> InvalidUrls() =>
        AuthApiUrls.Concat(TodoConsumerUrls).Append(RabbitMqManagementUrl).Where(url => !IsHttpUrl(url));
}
