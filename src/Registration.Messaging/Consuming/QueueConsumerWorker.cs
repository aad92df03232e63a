using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Data;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Registration.ServiceDefaults.Telemetry;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Consumes <see cref="Topology.UserRegisteredQueue"/> with manual acks. A message is acked only after
/// the handler committed; a poison message is published to the dead-letter exchange with its reason
/// (confirmed) and then acked; a database outage is never dead-lettered: the message goes back to the
/// queue after a pause. On stop, messages in flight are abandoned unacked and the broker redelivers them.
/// </summary>
public sealed partial class QueueConsumerWorker(
    IMessageHandler handler,
    BrokerSupervisor supervisor,
    ConsumerMetrics metrics,
    IOptions<ConsumerOptions> options,
    ILogger<QueueConsumerWorker> logger) : BackgroundService
{
    public const string WorkerName = "consumer";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        supervisor.RunAsync(WorkerName, async (connection, ready, cancellationToken) =>
        {
            var settings = options.Value;
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(false, false, consumerDispatchConcurrency: settings.Concurrency), cancellationToken);
            await using var deadLetters = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), cancellationToken);
            await BrokerTopology.DeclareAsync(channel, cancellationToken);
            await channel.BasicQosAsync(0, settings.Prefetch, false, cancellationToken);

            var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            channel.ChannelShutdownAsync += (_, args) =>
            {
                closed.TrySetResult(args.ReplyText);
                return Task.CompletedTask;
            };
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) => OnReceivedAsync(channel, deadLetters, delivery, cancellationToken);
            await channel.BasicConsumeAsync(Topology.UserRegisteredQueue, autoAck: false, consumer, cancellationToken);
            ready();
            return await closed.Task.WaitAsync(cancellationToken);
        }, stoppingToken);

    private async Task OnReceivedAsync(IChannel channel, IChannel deadLetters, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        using var activity = Tracing.StartLinked($"consume {Topology.UserRegisteredQueue}", ActivityKind.Consumer, HeaderText(delivery.BasicProperties, MessageHeaders.TraceParent));
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.message.id", delivery.BasicProperties.MessageId);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["EventId"] = delivery.BasicProperties.MessageId,
            ["CorrelationId"] = HeaderText(delivery.BasicProperties, MessageHeaders.CorrelationId) ?? delivery.BasicProperties.CorrelationId,
        });
        var deliveries = DeliveryCount(delivery.BasicProperties) + 1;
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await handler.HandleAsync(delivery.Body, delivery.BasicProperties, stoppingToken);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
            metrics.Settled(outcome, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: left unacked, the broker hands it to another consumer.
        }
        catch (PoisonMessageException ex)
        {
            await DeadLetterAsync(channel, deadLetters, delivery, ex.Message, deliveries, stoppingToken);
            metrics.Settled(MessageOutcome.DeadLettered, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (DatabaseFailures.IsTransient(ex))
        {
            LogTransientFailure(ex.Message);
            await RequeueAsync(channel, delivery, stoppingToken);
            metrics.Settled(MessageOutcome.Requeued, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (deliveries >= options.Value.MaxDeliveries)
        {
            await DeadLetterAsync(channel, deadLetters, delivery, $"failed {deliveries} times, last: {ex.GetType().Name}: {ex.Message}", deliveries, stoppingToken);
            metrics.Settled(MessageOutcome.DeadLettered, Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex)
        {
            LogFailure(deliveries, options.Value.MaxDeliveries, ex);
            await RequeueAsync(channel, delivery, stoppingToken);
            metrics.Settled(MessageOutcome.Requeued, Stopwatch.GetElapsedTime(started));
        }
    }

    private async Task RequeueAsync(IChannel channel, BasicDeliverEventArgs delivery, CancellationToken stoppingToken)
    {
        await Pause.ForAsync(options.Value.RetryDelay, stoppingToken);
        if (!stoppingToken.IsCancellationRequested && channel.IsOpen)
        {
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
        }
    }

    private async Task DeadLetterAsync(IChannel channel, IChannel deadLetters, BasicDeliverEventArgs delivery, string reason, int deliveries, CancellationToken stoppingToken)
    {
        var headers = new Dictionary<string, object?>(delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            [MessageHeaders.DeadLetterReason] = reason,
            [MessageHeaders.DeadLetteredAt] = DateTimeOffset.UtcNow.ToString("O"),
            [MessageHeaders.DeliveryAttempts] = deliveries,
        };
        var properties = new BasicProperties(delivery.BasicProperties) { Headers = headers, Persistent = true };
        // Confirmed before the ack: a dead letter is never lost between the two queues.
        await deadLetters.BasicPublishAsync(Topology.DeadLetterExchange, delivery.RoutingKey, mandatory: true, properties, delivery.Body, stoppingToken);
        await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, stoppingToken);
        LogDeadLettered(reason);
    }

    private static string? HeaderText(IReadOnlyBasicProperties properties, string name) =>
        properties.Headers?.TryGetValue(name, out var value) == true
            ? value switch
            {
                byte[] bytes => System.Text.Encoding.UTF8.GetString(bytes),
                string text => text,
                _ => null,
            }
            : null;

    private static int DeliveryCount(IReadOnlyBasicProperties properties) =>
        properties.Headers?.TryGetValue(MessageHeaders.DeliveryCount, out var value) == true
            ? Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)
            : 0;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable, message returned to the queue: {Reason}")]
    private partial void LogTransientFailure(string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message failed (delivery {Delivery} of {MaxDeliveries}), returned to the queue")]
    private partial void LogFailure(int delivery, int maxDeliveries, Exception exception);
}
