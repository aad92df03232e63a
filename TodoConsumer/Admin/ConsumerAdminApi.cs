using Npgsql;
using Registration.ServiceDefaults.Admin;
using Registration.ServiceDefaults.Http;

namespace TodoConsumer.Admin;

/// <summary>GET /api/v1/admin/consumer: welcome todos per second, commit-to-todo latency and stale events (cluster-wide), and this instance's outcome counters.</summary>
public static class ConsumerAdminApi
{
    /// <summary>The cluster-wide read model plus <see cref="Instance"/>: counters of the instance that answered only.</summary>
    public sealed record View(ConsumerReadModel.View Cluster, InstanceCounters Instance);

    public sealed record InstanceCounters(string InstanceId, DateTimeOffset Since, IReadOnlyDictionary<string, long> Outcomes);

    public static IEndpointRouteBuilder MapConsumerAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapAdminGroup().MapGet("/consumer", async (NpgsqlDataSource db, InstanceIdentity me, ConsumerOutcomeCounters counters, CancellationToken cancellationToken) =>
            TypedResults.Ok(new View(
                await ConsumerReadModel.ReadAsync(db, cancellationToken),
                new InstanceCounters(me.InstanceId, counters.Since, counters.Snapshot()))));
        return app;
    }
}
