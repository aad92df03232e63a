using DotNetCore.CAP.Transport;

namespace CapPeer.Transport;

/// <summary>
/// Creates CAP's consumer clients; the group name is the queue name. A subscriber's <c>GroupConcurrent</c> becomes the
/// channel's dispatch concurrency (deliveries handled at once on one channel); without it they are handled in order.
/// </summary>
internal sealed class RabbitConsumerClientFactory(RabbitConnections connections, RabbitTransportOptions options) : IConsumerClientFactory
{
    public Task<IConsumerClient> CreateAsync(string groupName, byte groupConcurrent) =>
        Task.FromResult<IConsumerClient>(
            new RabbitConsumerClient(groupName, Math.Max((ushort)1, groupConcurrent), connections.Consuming, options));
}
