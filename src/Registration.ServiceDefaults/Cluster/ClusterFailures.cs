using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using Registration.Contracts;

namespace Registration.ServiceDefaults.Cluster;

/// <summary>Tells a grain call that could not be carried out now (no silo, a silo gone, its database down) from a real error.</summary>
public static class ClusterFailures
{
    /// <summary>True when nothing was decided and the call may simply be made again later.</summary>
    public static bool IsTransient(Exception exception) => exception is
        StoreUnavailableException
        or OrleansMessageRejectionException // SiloUnavailableException among them
        or GatewayTooBusyException
        or ConnectionFailedException
        or TimeoutException;
}
