using System.Collections.Concurrent;
using Npgsql;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Infrastructure;

/// <summary>
/// Sees registering transactions commit: LISTENs on the channel that <see cref="OutboxWriter"/> NOTIFYs,
/// which PostgreSQL delivers at commit, exactly as the relay is woken. PostgreSQL keeps no commit time
/// (track_commit_timestamp is off), so this is the closest observable one: at most a delivery later.
/// </summary>
internal sealed class CommitWatcher : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly ConcurrentQueue<DateTimeOffset> _seen = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _listening;

    private CommitWatcher(NpgsqlConnection connection)
    {
        _connection = connection;
        _connection.Notification += (_, _) => _seen.Enqueue(DateTimeOffset.UtcNow);
        _listening = ListenAsync();
    }

    public static async Task<CommitWatcher> StartAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        var connection = await db.OpenConnectionAsync(cancellationToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {OutboxWriter.NotifyChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        return new CommitWatcher(connection);
    }

    /// <summary>
    /// The commit each transaction was seen at, matched in order: the first notification at or after the
    /// transaction's start that no earlier transaction took. NaN-free: transactions without one are left out.
    /// </summary>
    public Dictionary<T, DateTimeOffset> Match<T>(IEnumerable<(T Key, DateTimeOffset Started)> transactions)
        where T : notnull
    {
        var seen = _seen.Order().ToArray();
        var matched = new Dictionary<T, DateTimeOffset>();
        var next = 0;
        foreach (var (key, started) in transactions.OrderBy(t => t.Started))
        {
            while (next < seen.Length && seen[next] < started)
            {
                next++;
            }

            if (next < seen.Length)
            {
                matched[key] = seen[next++];
            }
        }

        return matched;
    }

    private async Task ListenAsync()
    {
        try
        {
            while (true)
            {
                await _connection.WaitAsync(_stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _listening;
        await _connection.DisposeAsync();
        _stopping.Dispose();
    }
}
