using System.ComponentModel.DataAnnotations;

namespace WolverinePeer;

/// <summary>What this process does in the benchmark (bench/Peers contract): publish, consume, or both.</summary>
public enum PeerRole
{
    Both,
    Producer,
    Consumer,
}

/// <summary>The peer contract's settings: <c>Peer__Role</c>, <c>ConnectionStrings__Peer</c>, <c>Rabbit__Uri</c>.</summary>
public sealed class PeerOptions
{
    public PeerRole Role { get; set; } = PeerRole.Both;

    [Required]
    public string ConnectionString { get; set; } = "";

    [Required]
    public Uri RabbitUri { get; set; } = null!;

    public bool Produces => Role is PeerRole.Producer or PeerRole.Both;

    public bool Consumes => Role is PeerRole.Consumer or PeerRole.Both;

    /// <summary>
    /// Each role keeps Wolverine's envelope tables in its own schema: a producer and a consumer process on the same
    /// database then never recover each other's envelopes, as two services with their own stores would not.
    /// </summary>
    public string EnvelopeSchema => Role switch
    {
        PeerRole.Producer => "wolverine_producer",
        PeerRole.Consumer => "wolverine_consumer",
        _ => "wolverine",
    };

    public static PeerOptions From(IConfiguration configuration) => new()
    {
        Role = Enum.TryParse<PeerRole>(configuration["Peer:Role"], ignoreCase: true, out var role) ? role : PeerRole.Both,
        ConnectionString = configuration.GetConnectionString("Peer") ?? throw new InvalidOperationException("ConnectionStrings__Peer is not set"),
        RabbitUri = new Uri(configuration["Rabbit:Uri"] ?? throw new InvalidOperationException("Rabbit__Uri is not set")),
    };
}
