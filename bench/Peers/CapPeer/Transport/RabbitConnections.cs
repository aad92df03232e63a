namespace CapPeer.Transport;

/// <summary>Publishing and consuming use separate connections, so a busy consumer never delays publisher confirms.</summary>
public sealed class RabbitConnections(RabbitTransportOptions options) : IAsyncDisposable
{
    public RabbitConnection Publishing { get; } = new(options, "publishing");

    public RabbitConnection Consuming { get; } = new(options, "consuming");

    public async ValueTask DisposeAsync()
    {
        await Publishing.DisposeAsync();
        await Consuming.DisposeAsync();
    }
}
