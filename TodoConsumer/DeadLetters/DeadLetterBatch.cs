using RabbitMQ.Client;

namespace TodoConsumer.DeadLetters;

/// <summary>
/// Messages taken from the dead-letter queue with basic.get and held unacknowledged, so nobody else sees
/// them meanwhile and none can be lost: each is either settled (acked) or, at the end, handed back to the
/// queue in its original order. A channel that dies hands them all back too.
/// </summary>
internal sealed class DeadLetterBatch(IChannel channel, uint depth, IReadOnlyList<BasicGetResult> messages)
{
    /// <summary>The longest wait for the queue to count the returned messages again (someone else may be taking messages too).</summary>
    private static readonly TimeSpan ReturnWait = TimeSpan.FromSeconds(2);

    private readonly HashSet<ulong> _settled = [];

    /// <summary>Ready messages in the queue when the batch was taken.</summary>
    public uint Depth { get; } = depth;

    public IReadOnlyList<BasicGetResult> Messages { get; } = messages;

    public int Settled => _settled.Count;

    public static async Task<DeadLetterBatch> TakeAsync(IChannel channel, string queue, int max, CancellationToken cancellationToken)
    {
        var depth = (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        var messages = new List<BasicGetResult>();
        // Never more than were there at the start: a replayed message dead-lettered again meanwhile is not taken twice.
        while (messages.Count < Math.Min(depth, (uint)max) && await channel.BasicGetAsync(queue, autoAck: false, cancellationToken) is { } message)
        {
            messages.Add(message);
        }

        return new DeadLetterBatch(channel, depth, messages);
    }

    public async Task AckAsync(BasicGetResult message, CancellationToken cancellationToken)
    {
        await channel.BasicAckAsync(message.DeliveryTag, multiple: false, cancellationToken);
        _settled.Add(message.DeliveryTag);
    }

    /// <summary>
    /// Hands every message not settled back to the queue (one multiple nack up to the highest such tag),
    /// and waits, briefly, until the queue counts them again: a quorum queue applies the return a moment
    /// after the nack, and the next list must not find the queue emptier than it is.
    /// </summary>
    public async Task RequeueRestAsync(string queue, CancellationToken cancellationToken)
    {
        var rest = Messages.Where(m => !_settled.Contains(m.DeliveryTag)).Select(m => m.DeliveryTag).ToList();
        if (rest.Count == 0)
        {
            return;
        }

        await channel.BasicNackAsync(rest.Max(), multiple: true, requeue: true, cancellationToken);
        var expected = Depth - (uint)Settled;
        var deadline = DateTime.UtcNow + ReturnWait;
        while ((await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10, cancellationToken);
        }
    }
}
