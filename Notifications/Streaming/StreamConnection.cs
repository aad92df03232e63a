using System.Threading.Channels;
using Registration.Contracts;
using Registration.Grains;

namespace Notifications.Streaming;

/// <summary>
/// One open stream's observer: it only enqueues into a bounded buffer, which the connection's own loop writes to the
/// socket. A full buffer (a client reading too slowly) closes the buffer instead of waiting: the stream ends, and the
/// client resumes from its last event id, so nothing is lost and the grain is never held.
/// </summary>
public sealed class StreamConnection(int capacity) : INotificationObserver
{
    private readonly Channel<StreamItem> _items = Channel.CreateBounded<StreamItem>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ChannelReader<StreamItem> Items => _items.Reader;

    /// <summary>True once the buffer overflowed: the stream ends so the client resumes from the database.</summary>
    public bool Overflowed { get; private set; }

    public Task OnNotificationAdded(Notification notification)
    {
        Offer(new StreamItem(notification));
        return Task.CompletedTask;
    }

    /// <summary>The grain did not know this stream (a new activation): what it pushed meanwhile is read from the database.</summary>
    public void CatchUp() => Offer(StreamItem.CatchUp);

    private void Offer(StreamItem item)
    {
        if (!_items.Writer.TryWrite(item))
        {
            Overflowed = true;
            _items.Writer.TryComplete();
        }
    }
}

/// <summary>A notification to send, or (null) the signal to read what may have been missed.</summary>
public sealed record StreamItem(Notification? Notification)
{
    public static readonly StreamItem CatchUp = new((Notification?)null);
}
