using System.Collections.Concurrent;
using System.Threading.Channels;
using Dapper;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Registration.Bench.Infrastructure;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Workload;

/// <summary>
/// The irreducible work between a todo change's commit and its notification reaching a client, done by hand as
/// <see cref="RawPipeline"/> does for the welcome todo: commit a row in the todo database, publish it with a confirm,
/// receive it, insert a row in the notify database and commit, then hand it to the reader in the same process (a
/// channel, where the service crosses a grain observer and an HTTP stream). Latency = the moment the reader has it
/// − the first row's commit timestamp from PostgreSQL, taken as for the system.
/// </summary>
internal static class RawNotificationPipeline
{
    public static async Task<IReadOnlyList<double>> MeasureLatencyAsync(Sandbox sandbox, double perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        var suffix = $"{perSecond:0}";
        var queue = $"bench_raw_notify_{suffix}";
        await using (var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        {
            await todo.ExecuteAsync($"CREATE TABLE raw_changes_{suffix} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())");
        }

        await using (var notify = await sandbox.NotifyDb.OpenConnectionAsync(cancellationToken))
        {
            await notify.ExecuteAsync($"CREATE TABLE raw_notifications_{suffix} (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())");
        }

        var delivered = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
        var received = new ConcurrentDictionary<Guid, DateTime>();
        var reader = Task.Run(async () =>
        {
            await foreach (var id in delivered.Reader.ReadAllAsync(cancellationToken))
            {
                received[id] = DateTime.UtcNow;
            }
        }, cancellationToken);

        await using var broker = await sandbox.ConnectBrokerAsync("raw-notify-pipeline", cancellationToken);
        await using var consuming = await broker.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 4), cancellationToken);
        await consuming.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await consuming.BasicQosAsync(0, 32, false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var id = new Guid(delivery.Body.Span);
            await using (var command = sandbox.NotifyDb.CreateCommand($"INSERT INTO raw_notifications_{suffix} (id) VALUES (@id)"))
            {
                command.Parameters.AddWithValue("id", id);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            delivered.Writer.TryWrite(id);
            await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
        };
        await consuming.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        await using var publishing = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(256), cancellationToken);

        var count = (await OpenLoop.RunAsync(perSecond, duration, async _ =>
        {
            await CommitAndPublishAsync(sandbox.TodoDb, publishing, queue, suffix, cancellationToken);
            return true;
        }, cancellationToken)).Length;
        await Wait.UntilAsync(() => Task.FromResult(received.Count), n => n >= count,
            TimeSpan.FromSeconds(30), $"{count} raw notifications delivered", TimeSpan.FromMilliseconds(20), cancellationToken);
        delivered.Writer.Complete();
        await reader;

        await using var db = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        var committed = (await db.QueryAsync<(Guid Id, DateTime Committed)>($"SELECT id, pg_xact_commit_timestamp(xmin) FROM raw_changes_{suffix}"))
            .ToDictionary(r => r.Id, r => r.Committed);
        return received.Select(r => (r.Value - committed[r.Key]).TotalMilliseconds).ToList();
    }

    private static async Task CommitAndPublishAsync(NpgsqlDataSource db, IChannel channel, string queue, string suffix, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition($"INSERT INTO raw_changes_{suffix} (id) VALUES (@id)", new { id }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }

        await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, id.ToByteArray(), cancellationToken);
    }
}
