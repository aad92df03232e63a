using Dapper;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Registration.Bench.Infrastructure;
using Registration.Messaging.Outbox;

namespace Registration.Bench.Workload;

/// <summary>
/// The irreducible work between a commit and a todo, done by hand with no HTTP, hashing, NOTIFY, relay
/// loop or service: commit a row, publish it with a confirm, receive it, insert a row, ack. Latency is
/// taken exactly as for the system: the second row's commit timestamp minus the first row's.
/// </summary>
internal static class RawPipeline
{
    private const string Queue = "bench_raw_pipeline";

    public static async Task<IReadOnlyList<double>> MeasureLatencyAsync(Sandbox sandbox, double perSecond, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using (var auth = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken))
        {
            await auth.ExecuteAsync("CREATE TABLE raw_events (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())");
        }

        await using (var todo = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken))
        {
            await todo.ExecuteAsync("CREATE TABLE raw_todos (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())");
        }

        await using var broker = await sandbox.ConnectBrokerAsync("raw-pipeline", cancellationToken);
        await using var consuming = await broker.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: 4), cancellationToken);
        await consuming.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);
        await consuming.BasicQosAsync(0, 32, false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await using (var command = sandbox.TodoDb.CreateCommand("INSERT INTO raw_todos (id) VALUES (@id)"))
            {
                command.Parameters.AddWithValue("id", new Guid(delivery.Body.Span));
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await consuming.BasicAckAsync(delivery.DeliveryTag, multiple: false, cancellationToken);
        };
        await consuming.BasicConsumeAsync(Queue, autoAck: false, consumer, cancellationToken);
        await using var publishing = await broker.CreateChannelAsync(OutboxPublisher.ChannelOptions(256), cancellationToken);

        var count = (await OpenLoop.RunAsync(perSecond, duration, async _ =>
        {
            await CommitAndPublishAsync(sandbox.AuthDb, publishing, cancellationToken);
            return true;
        }, cancellationToken)).Length;
        await Wait.UntilAsync(() => sandbox.TodoScalarAsync("SELECT count(*) FROM raw_todos"), n => n >= count,
            TimeSpan.FromSeconds(30), $"{count} raw todos", TimeSpan.FromMilliseconds(20), cancellationToken);

        Dictionary<Guid, DateTime> committed;
        await using (var auth = await sandbox.AuthDb.OpenConnectionAsync(cancellationToken))
        {
            committed = (await auth.QueryAsync<(Guid Id, DateTime Committed)>("SELECT id, pg_xact_commit_timestamp(xmin) FROM raw_events")).ToDictionary(r => r.Id, r => r.Committed);
        }

        await using var db = await sandbox.TodoDb.OpenConnectionAsync(cancellationToken);
        var todos = await db.QueryAsync<(Guid Id, DateTime Committed)>("SELECT id, pg_xact_commit_timestamp(xmin) FROM raw_todos");
        return todos.Select(t => (t.Committed - committed[t.Id]).TotalMilliseconds).ToList();
    }

    private static async Task CommitAndPublishAsync(NpgsqlDataSource db, IChannel channel, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        await using (var connection = await db.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition("INSERT INTO raw_events (id) VALUES (@id)", new { id }, transaction, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }

        await channel.BasicPublishAsync("", Queue, mandatory: true, new BasicProperties { Persistent = true }, id.ToByteArray(), cancellationToken);
    }
}
