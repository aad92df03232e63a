namespace Registration.Messaging.Outbox;

/// <summary>The stable partition of an aggregate: FNV-1a over the id's big-endian bytes, modulo the partition count.</summary>
public static class OutboxPartitioner
{
    public static short PartitionOf(Guid aggregateId, int partitions)
    {
        Span<byte> bytes = stackalloc byte[16];
        aggregateId.TryWriteBytes(bytes, bigEndian: true, out _);
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (short)(hash % (uint)partitions);
    }
}
