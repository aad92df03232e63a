using Dashboard.Upstream;

namespace Dashboard.State;

/// <summary>Everything the page shows, read at once from the services' admin APIs and the broker's management API.</summary>
public sealed record DashboardState(
    DateTimeOffset GeneratedAt,
    int RefreshSeconds,
    AuthState Auth,
    TodoState Todo,
    IReadOnlyList<QueueState> Queues,
    Answer DeadLetters);

/// <summary>
/// AuthApi: GET /api/v1/admin/cluster (Orleans' silos, partition owners), GET /api/v1/admin/outbox and
/// GET /api/v1/admin/account-deletions (the count of deletions in each state, and the open ones, Stuck first, with their steps).
/// </summary>
public sealed record AuthState(Answer Cluster, Answer Outbox, Answer AccountDeletions);

/// <summary>
/// TodoConsumer: the cluster-wide part of GET /api/v1/admin/consumer, and the per-instance counters of
/// every configured TodoConsumer URL (duplicates absorbed are counted only there).
/// </summary>
public sealed record TodoState(Answer Consumer, IReadOnlyList<InstanceCounters> Instances, long DuplicatesAbsorbed);

public sealed record InstanceCounters(string Url, string? InstanceId, DateTimeOffset? Since, IReadOnlyDictionary<string, long>? Outcomes, string? Error)
{
    public static InstanceCounters From(string url, Answer answer)
    {
        if (answer.Data is not { } data || !data.TryGetProperty("instance", out var instance))
        {
            return new InstanceCounters(url, null, null, null, answer.Error ?? "no instance counters in the answer");
        }

        try
        {
            return new InstanceCounters(
                url,
                instance.GetProperty("instanceId").GetString(),
                instance.GetProperty("since").GetDateTimeOffset(),
                instance.GetProperty("outcomes").EnumerateObject().ToDictionary(o => o.Name, o => o.Value.GetInt64()),
                null);
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return new InstanceCounters(url, null, null, null, $"unexpected instance counters from {url}: {ex.Message}");
        }
    }

    /// <summary>The cluster-wide part of a consumer answer.</summary>
    public static Answer ClusterPart(Answer answer) =>
        answer.Data is { } data && data.TryGetProperty("cluster", out var cluster) ? answer with { Data = cluster } : answer;

    public long Count(string outcome) => Outcomes?.GetValueOrDefault(outcome) ?? 0;
}
