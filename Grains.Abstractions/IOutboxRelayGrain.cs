using Orleans.Concurrency;

namespace Registration.Grains;

/// <summary>
/// The relay of one outbox partition (the grain's key: the partition, and the outbox as its extension, one of
/// <see cref="Outboxes"/>): publishes the partition's PENDING rows in id order with publisher confirms and marks each
/// SENT only after its confirm. A reminder keeps it alive.
/// </summary>
[Alias("registration.outbox-relay")]
public interface IOutboxRelayGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Rows were committed to this partition: relay them now. One-way: the caller never waits or fails.</summary>
    [Alias("registration.outbox-relay.wake")]
    [OneWay]
    Task Wake();

    /// <summary>Where the relay runs and its epoch; answered even while a relay step runs.</summary>
    [Alias("registration.outbox-relay.get-state")]
    [AlwaysInterleave]
    Task<RelayPartitionState> GetStateAsync();
}

/// <summary>The outboxes the relays serve, each in its own database; a relay grain's key extension names one.</summary>
public static class Outboxes
{
    /// <summary>The auth database's: USER_REGISTERED and the account deletion saga's events.</summary>
    public const string Auth = "auth";

    /// <summary>The todo database's: TODO_CREATED, TODO_UPDATED, TODO_DELETED, and the todo side's replies to the account deletion saga.</summary>
    public const string Todo = "todo";

    /// <summary>The notify database's: the notification service's replies to the account deletion saga.</summary>
    public const string Notify = "notify";

    public static readonly IReadOnlyList<string> All = [Auth, Todo, Notify];

    public static IOutboxRelayGrain Relay(this IGrainFactory grains, string outbox, short partition) =>
        grains.GetGrain<IOutboxRelayGrain>(partition, outbox);
}

/// <summary>Where a partition's relay runs and the epoch its activation took.</summary>
[GenerateSerializer]
[Alias("registration.relay-partition-state")]
[Immutable]
public sealed record RelayPartitionState(
    [property: Id(0)] short Partition,
    [property: Id(1)] long Epoch,
    [property: Id(2)] string Silo,
    [property: Id(3)] string Outbox);
