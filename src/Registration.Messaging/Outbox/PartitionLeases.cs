using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Messaging.Membership;

namespace Registration.Messaging.Outbox;

/// <summary>
/// The partitions this relay instance holds, with their fencing tokens. <see cref="RefreshAsync"/> renews
/// them, gives back those above a fair share (partitions / live relays) and takes free or expired ones up
/// to it, so load spreads when instances join or leave. A renewal that fails drops every lease at once:
/// the relay stops publishing rather than risk working on a partition it may have lost.
/// </summary>
public sealed class PartitionLeases(NpgsqlDataSource db, InstanceIdentity me, IOptions<OutboxOptions> options, IOptions<MembershipOptions> membership)
{
    public const string RelayWorker = "relay";

    private readonly Lock _gate = new();
    private Dictionary<short, long> _owned = [];
    private DateTime _validUntil = DateTime.MinValue;

    /// <summary>Partitions held now (empty once the last successful renewal is older than the TTL).</summary>
    public IReadOnlyDictionary<short, long> Owned
    {
        get
        {
            lock (_gate)
            {
                return DateTime.UtcNow < _validUntil ? new Dictionary<short, long>(_owned) : [];
            }
        }
    }

    /// <summary>Whether <paramref name="partition"/> is held now.</summary>
    public bool Holds(short partition)
    {
        lock (_gate)
        {
            return DateTime.UtcNow < _validUntil && _owned.ContainsKey(partition);
        }
    }

    /// <returns>Whether the set of held partitions changed.</returns>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var renewStarted = DateTime.UtcNow;
        var before = Owned;
        try
        {
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO outbox_leases (partition) SELECT generate_series(0, @last)::smallint ON CONFLICT DO NOTHING",
                new { last = settings.Partitions - 1 },
                cancellationToken: cancellationToken));

            var held = await RenewAsync(connection, before, settings.LeaseTtl, cancellationToken);
            var relays = Math.Max(1, await ClusterMembers.CountLiveAsync(connection, RelayWorker, membership.Value.DeadAfter, cancellationToken));
            var fairShare = (settings.Partitions + relays - 1) / relays;
            if (held.Count > fairShare)
            {
                var surplus = held.Keys.Order().Skip(fairShare).ToArray();
                await ReleaseAsync(connection, surplus, cancellationToken);
                foreach (var partition in surplus)
                {
                    held.Remove(partition);
                }
            }
            else if (held.Count < fairShare)
            {
                foreach (var (partition, token) in await AcquireAsync(connection, fairShare - held.Count, settings, cancellationToken))
                {
                    held[partition] = token;
                }
            }

            lock (_gate)
            {
                _owned = held;
                _validUntil = renewStarted + settings.LeaseTtl;
            }

            return !held.OrderBy(p => p.Key).SequenceEqual(before.OrderBy(p => p.Key));
        }
        catch
        {
            lock (_gate)
            {
                _owned = [];
                _validUntil = DateTime.MinValue;
            }

            throw;
        }
    }

    /// <summary>Gives every held partition back (graceful stop), so a survivor takes them without waiting for the TTL.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        short[] partitions;
        lock (_gate)
        {
            partitions = [.. _owned.Keys];
            _owned = [];
            _validUntil = DateTime.MinValue;
        }

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await ReleaseAsync(connection, partitions, cancellationToken);
    }

    private async Task<Dictionary<short, long>> RenewAsync(NpgsqlConnection connection, IReadOnlyDictionary<short, long> held, TimeSpan ttl, CancellationToken cancellationToken)
    {
        if (held.Count == 0)
        {
            return [];
        }

        var renewed = await connection.QueryAsync<(short Partition, long Token)>(new CommandDefinition(
            """
            UPDATE outbox_leases AS l SET expires_at = now() + @ttl
            FROM unnest(@partitions, @tokens) AS h(partition, token)
            WHERE l.partition = h.partition AND l.token = h.token AND l.owner = @owner AND l.expires_at > now()
            RETURNING l.partition, l.token
            """,
            new { ttl, partitions = held.Keys.ToArray(), tokens = held.Values.ToArray(), owner = me.InstanceId },
            cancellationToken: cancellationToken));
        return renewed.ToDictionary(r => r.Partition, r => r.Token);
    }

    private async Task<IEnumerable<(short Partition, long Token)>> AcquireAsync(NpgsqlConnection connection, int wanted, OutboxOptions settings, CancellationToken cancellationToken) =>
        await connection.QueryAsync<(short Partition, long Token)>(new CommandDefinition(
            """
            UPDATE outbox_leases SET owner = @owner, token = token + 1, expires_at = now() + @ttl
            WHERE partition IN (
                SELECT partition FROM outbox_leases
                WHERE (owner IS NULL OR expires_at <= now()) AND partition < @partitions
                ORDER BY partition
                LIMIT @wanted
                FOR UPDATE SKIP LOCKED)
            RETURNING partition, token
            """,
            new { owner = me.InstanceId, ttl = settings.LeaseTtl, partitions = settings.Partitions, wanted },
            cancellationToken: cancellationToken));

    private async Task ReleaseAsync(NpgsqlConnection connection, short[] partitions, CancellationToken cancellationToken)
    {
        if (partitions.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE outbox_leases SET owner = NULL, expires_at = '-infinity' WHERE owner = @owner AND partition = ANY(@partitions)",
                new { owner = me.InstanceId, partitions },
                cancellationToken: cancellationToken));
        }
    }
}
