using System.ComponentModel.DataAnnotations;

namespace CapPeer;

/// <summary>What this process does in the benchmark: register users, consume their events, or both.</summary>
public enum PeerRole
{
    Both,
    Producer,
    Consumer,
}

/// <summary>
/// The peer contract's settings (<c>Peer__Role</c>, <c>ConnectionStrings__Peer</c>, <c>Rabbit__Uri</c>), read while the
/// services are registered because CAP takes its storage and transport settings there.
/// </summary>
public sealed class PeerOptions
{
    public PeerRole Role { get; init; } = PeerRole.Both;

    [Required(ErrorMessage = "ConnectionStrings__Peer is not set.")]
    public string? ConnectionString { get; init; }

    [Required(ErrorMessage = "Rabbit__Uri is not set.")]
    public Uri? RabbitUri { get; init; }

    public bool Produces => Role is PeerRole.Producer or PeerRole.Both;

    public bool Consumes => Role is PeerRole.Consumer or PeerRole.Both;

    /// <summary>
    /// CAP's tables of each role live in their own schema, so a producer and a consumer sharing the database behave as
    /// two services with their own stores: neither retries the other's published or received messages.
    /// </summary>
    public string CapSchema => Role switch
    {
        PeerRole.Producer => "cap_producer",
        PeerRole.Consumer => "cap_consumer",
        _ => "cap",
    };

    public static PeerOptions From(IConfiguration configuration)
    {
        var role = configuration["Peer:Role"];
        var options = new PeerOptions
        {
            Role = role?.ToLowerInvariant() switch
            {
                null or "" or "both" => PeerRole.Both,
                "producer" => PeerRole.Producer,
                "consumer" => PeerRole.Consumer,
                _ => throw new InvalidOperationException($"Peer__Role must be producer, consumer or both, not '{role}'."),
            },
            ConnectionString = configuration.GetConnectionString("Peer"),
            RabbitUri = configuration["Rabbit:Uri"] is { Length: > 0 } uri ? new Uri(uri) : null,
        };
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }
}
