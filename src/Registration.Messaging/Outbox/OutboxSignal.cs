using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Wakes the relay's lanes as soon as a registering transaction commits: LISTENs on the channel that
/// <see cref="OutboxWriter"/> NOTIFYs with the new row's partition, on a dedicated connection that is re-opened
/// when it breaks, and wakes the lane that relays that partition. A transaction committed by this process
/// wakes its lane directly (<see cref="Committed"/>), without waiting for the NOTIFY's round trip.
/// </summary>
public sealed partial class OutboxSignal(NpgsqlDataSource dataSource, PartitionLeases leases, IOptions<OutboxOptions> options, ILogger<OutboxSignal> logger)
{
    private readonly Channel<bool>[] _wakeups = [.. Enumerable.Range(0, options.Value.Lanes)
        .Select(_ => Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite }))];

    /// <summary>Wakes every lane of the relay now, e.g. after it took over partitions.</summary>
    public void Wake()
    {
        foreach (var lane in _wakeups)
        {
            lane.Writer.TryWrite(true);
        }
    }

    /// <summary>
    /// An outbox row of <paramref name="partition"/> has just committed in this process: wakes the lane that
    /// relays it at once if this relay holds the partition. The transaction's NOTIFY still wakes whichever
    /// relay holds it (here it usually finds the row already taken).
    /// </summary>
    public void Committed(short partition)
    {
        if (leases.Holds(partition))
        {
            _wakeups[partition % _wakeups.Length].Writer.TryWrite(true);
        }
    }

    /// <summary>Wakes the lane that relays <paramref name="partition"/>, or every lane if the payload is not a partition.</summary>
    private void Wake(string partition)
    {
        if (short.TryParse(partition, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            _wakeups[number % _wakeups.Length].Writer.TryWrite(true);
        }
        else
        {
            Wake();
        }
    }

    /// <summary>Waits for a notification to <paramref name="lane"/>, at most <paramref name="timeout"/> (the fallback poll).</summary>
    public async Task WaitAsync(int lane, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await _wakeups[lane].Reader.WaitToReadAsync(timeoutSource.Token);
            _wakeups[lane].Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval elapsed without a notification: look anyway.
        }
    }

    public async Task ListenAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, notification) => Wake(notification.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {OutboxWriter.NotifyChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                // Rows may have committed while nobody listened.
                Wake();
                while (true)
                {
                    await connection.WaitAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex.Message);
                await Pause.ForAsync(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox LISTEN connection failed, polling until it is back: {Reason}")]
    private partial void LogListenFailed(string reason);
}
