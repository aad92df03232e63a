using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Wakes the relay as soon as a registering transaction commits: LISTENs on the channel that
/// <see cref="OutboxWriter"/> NOTIFYs, on a dedicated connection that is re-opened when it breaks.
/// </summary>
public sealed partial class OutboxSignal(NpgsqlDataSource dataSource, ILogger<OutboxSignal> logger)
{
    private readonly Channel<bool> _wakeups = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Wakes the relay now, e.g. after it took over partitions.</summary>
    public void Wake() => _wakeups.Writer.TryWrite(true);

    /// <summary>Waits for a notification, at most <paramref name="timeout"/> (the fallback poll).</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await _wakeups.Reader.WaitToReadAsync(timeoutSource.Token);
            _wakeups.Reader.TryRead(out _);
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
                connection.Notification += (_, _) => Wake();
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
