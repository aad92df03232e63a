using System.Diagnostics;
using Registration.Contracts;
using Registration.Messaging.Broker;
using RabbitMQ.Client;
using Registration.ServiceDefaults.Telemetry;

namespace Registration.Messaging.Outbox;

/// <summary>
/// Publishes a batch on a channel with publisher confirmation tracking: all messages go out at once,
/// then each one's confirm is awaited. Only a broker ack counts as success; a nack, a basic.return
/// (mandatory, unroutable), a confirm timeout or a lost channel is a failure for that row.
/// </summary>
public static class OutboxPublisher
{
    public static CreateChannelOptions ChannelOptions(int batchSize) => new(
        publisherConfirmationsEnabled: true,
        publisherConfirmationTrackingEnabled: true,
        outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(Math.Max(batchSize, 1) * 2));

    /// <returns>The rows the broker confirmed, and the error of each row it did not.</returns>
    public static async Task<(IReadOnlyList<long> Confirmed, IReadOnlyList<(OutboxRow Row, string Error)> Failed)> PublishAsync(
        IChannel channel, IReadOnlyList<OutboxRow> rows, TimeSpan confirmTimeout, CancellationToken cancellationToken)
    {
        // One deadline for the whole batch: a timer per message costs more than the publish at thousands per second.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(confirmTimeout);
        var confirms = new Task[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            confirms[i] = PublishOneAsync(channel, rows[i], deadline.Token);
        }

        var confirmed = new List<long>(rows.Count);
        var failed = new List<(OutboxRow, string)>();
        for (var i = 0; i < rows.Count; i++)
        {
            try
            {
                await confirms[i];
                confirmed.Add(rows[i].Id);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                failed.Add((rows[i], BrokerErrors.Describe(ex)));
            }
        }

        return (confirmed, failed);
    }

    private static async Task PublishOneAsync(IChannel channel, OutboxRow row, CancellationToken cancellationToken)
    {
        // A producer span in the registration's trace; the consumer's span becomes its child.
        var traceParent = row.Headers.GetValueOrDefault(MessageHeaders.TraceParent);
        using var activity = Tracing.StartLinked("outbox publish", ActivityKind.Producer, traceParent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", Topology.Exchange);
        activity?.SetTag("messaging.message.id", row.EventId.ToString());

        var headers = new Dictionary<string, object?>(row.Headers.Count);
        foreach (var (name, value) in row.Headers)
        {
            headers[name] = value;
        }

        if (Tracing.TraceParentOf(activity, traceParent) is { } propagated)
        {
            headers[MessageHeaders.TraceParent] = propagated;
        }

        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = row.EventId.ToString(),
            Type = row.EventType,
            ContentType = "application/json",
            CorrelationId = row.Headers.GetValueOrDefault(MessageHeaders.CorrelationId),
            Timestamp = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Headers = headers,
        };
        await channel.BasicPublishAsync(
            Topology.Exchange,
            BrokerTopology.RoutingKeyFor(row.EventType),
            mandatory: true,
            properties,
            System.Text.Encoding.UTF8.GetBytes(row.Payload),
            cancellationToken);
    }
}
