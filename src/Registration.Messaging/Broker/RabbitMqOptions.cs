using System.ComponentModel.DataAnnotations;

namespace Registration.Messaging.Broker;

public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string UserName { get; set; } = "guest";

    [Required]
    public string Password { get; set; } = "guest";

    /// <summary>Shown in the broker's connection list, e.g. "auth-api".</summary>
    [Required]
    public string ClientName { get; set; } = "registration";
}
