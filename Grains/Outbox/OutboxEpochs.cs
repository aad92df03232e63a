using Npgsql;

namespace Registration.Grains.Outbox;

/// <summary>The partitions' epochs in outbox_epochs: each relay activation takes the next one of its partition.</summary>
public sealed class OutboxEpochs(NpgsqlDataSource db)
{
    public async Task<long> NextAsync(short partition, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            INSERT INTO outbox_epochs AS e (partition, epoch) VALUES (@partition, 1)
            ON CONFLICT (partition) DO UPDATE SET epoch = e.epoch + 1
            RETURNING epoch
            """);
        command.Parameters.AddWithValue("partition", partition);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
