using Dapper;
using Npgsql;

namespace Registration.Messaging.Membership;

/// <summary>The SQL of the membership table.</summary>
public static class ClusterMembers
{
    public static async Task HeartbeatAsync(NpgsqlDataSource db, InstanceIdentity me, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO cluster_members (instance_id, role, workers, host, pid, version, started_at, last_heartbeat, status)
            VALUES (@InstanceId, @Role, @Workers, @Host, @ProcessId, @Version, now(), now(), 'active')
            ON CONFLICT (instance_id) DO UPDATE SET last_heartbeat = now(), status = 'active', workers = EXCLUDED.workers
            """,
            new { me.InstanceId, me.Role, Workers = me.Workers.ToArray(), me.Host, me.ProcessId, me.Version },
            cancellationToken: cancellationToken));
    }

    /// <summary>Forgets members that have not been heard of for a day, so the table does not grow with every restart.</summary>
    public static async Task PruneAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM cluster_members WHERE last_heartbeat < now() - interval '1 day'", cancellationToken: cancellationToken));
    }

    public static async Task LeaveAsync(NpgsqlDataSource db, InstanceIdentity me, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE cluster_members SET status = 'left', last_heartbeat = now() WHERE instance_id = @InstanceId",
            new { me.InstanceId },
            cancellationToken: cancellationToken));
    }

    /// <summary>Every member with its state as of now: active, dead (missed heartbeats) or left.</summary>
    public static async Task<IReadOnlyList<ClusterMember>> ListAsync(NpgsqlDataSource db, TimeSpan deadAfter, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var members = await connection.QueryAsync<ClusterMember>(new CommandDefinition(
            """
            SELECT instance_id AS InstanceId, role, workers, host, pid, version, started_at AS StartedAt, last_heartbeat AS LastHeartbeat,
                   CASE WHEN status = 'left' THEN 'left'
                        WHEN last_heartbeat < now() - @deadAfter THEN 'dead'
                        ELSE 'active' END AS Status,
                   extract(epoch FROM now() - last_heartbeat)::float8 AS HeartbeatAgeSeconds
            FROM cluster_members
            ORDER BY role, started_at
            """,
            new { deadAfter },
            cancellationToken: cancellationToken));
        return members.ToList();
    }

    /// <summary>Members running <paramref name="worker"/> that are alive now.</summary>
    public static async Task<int> CountLiveAsync(NpgsqlConnection connection, string worker, TimeSpan deadAfter, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            SELECT count(*)::int FROM cluster_members
            WHERE status = 'active' AND @worker = ANY(workers) AND last_heartbeat >= now() - @deadAfter
            """,
            new { worker, deadAfter },
            cancellationToken: cancellationToken));
}

/// <summary>One row of cluster_members, with its state as of the query (active, dead or left).</summary>
public sealed record ClusterMember
{
    public string InstanceId { get; init; } = "";

    public string Role { get; init; } = "";

    public string[] Workers { get; init; } = [];

    public string Host { get; init; } = "";

    public int Pid { get; init; }

    public string Version { get; init; } = "";

    public DateTime StartedAt { get; init; }

    public DateTime LastHeartbeat { get; init; }

    public string Status { get; init; } = "";

    public double HeartbeatAgeSeconds { get; init; }
}
