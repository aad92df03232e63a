using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Messaging.Broker;
using Registration.ServiceDefaults.Telemetry;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Registration.Messaging.Consuming;

/// <summary>
/// Consumes the queue of its <see cref="QueueContract"/> with manual acks, once its handler is ready. Deliveries wait in memory (at most
/// <see cref="ConsumerOptions.Prefetch"/>); <see cref="ConsumerOptions.Concurrency"/> appliers each take what is
/// waiting, up to <see cref="ConsumerOptions.BatchSize"/>, and hand it to the handler at once, so a backlog is
/// applied in bulk while a lone message goes through at once. A message is acked only after it was applied;
/// a poison message, and one the handler answered <see cref="MessageOutcome.Expired"/>, is published to the queue's own
/// dead-letter exchange with its reason (confirmed) and then acked; one it answered <see cref="MessageOutcome.Requeued"/>
/// (it cannot be applied yet, e.g. it waits for an earlier event of its user) goes back to the queue after a pause; if the
/// dead-letter queue does not confirm it, the message goes back to the queue after a pause and is tried again. A
/// failing batch is retried message by message; a transient failure (<see cref="IMessageHandler{TMessage}.IsTransient"/>)
/// is never dead-lettered: the messages go back to the queue after a pause. An applier that fails for any other reason is logged at once and ends the session:
/// its channels close, the broker redelivers what was unacked, and the supervisor starts a new session with new
/// appliers. On stop, messages in flight are abandoned unacked and the broker redelivers them.
/// </summary>
public sealed partial class QueueConsumerWorker<TMessage>(
    QueueContract queue,
    IMessageHandler<TMessage> handler,
    BrokerSupervisor supervisor,
    ConsumerMetrics metrics,
    IOptions<ConsumerOptions> options,
    ILogger<QueueConsumerWorker<TMessage>> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await handler.WaitUntilReadyAsync(stoppingToken);
        await supervisor.RunAsync(queue.WorkerName, RunSessionAsync, stoppingToken);
    }

    private async Task<string> RunSessionAsync(IConnection connection, Action ready, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
        await using var deadLetters = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), stoppingToken);
        await BrokerTopology.DeclareAsync(channel, stoppingToken);
        await channel.BasicQosAsync(0, settings.Prefetch, false, stoppingToken);

        var closed = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        AsyncEventHandler<ShutdownEventArgs> onShutdown = (_, args) =>
        {
            closed.TrySetResult(args.ReplyText);
            return Task.CompletedTask;
        };
        channel.ChannelShutdownAsync += onShutdown;
        deadLetters.ChannelShutdownAsync += onShutdown;
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var inbox = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleWriter = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, args) => inbox.Writer.WriteAsync(Delivery.CopyOf(args), session.Token).AsTask();
        await channel.BasicConsumeAsync(queue.Queue, autoAck: false, consumer, stoppingToken);

        var appliers = Enumerable.Range(0, settings.Concurrency)
            .Select(_ => ApplyWaitingAsync(channel, deadLetters, inbox.Reader, session.Token)).ToList();
        ready();
        try
        {
            var ended = await Task.WhenAny([closed.Task, .. appliers]).WaitAsync(stoppingToken);
            if (ended == closed.Task)
            {
                return closed.Task.Result;
            }

            // An applier never ends on its own while the session runs: whatever ended it must not pass unseen.
            var error = ended.Exception?.GetBaseException();
            LogApplierDied(error);
            return $"an applier failed, restarting the consumer: {error?.Message ?? "it ended"}";
        }
        finally
        {
            await session.CancelAsync();
            await Task.WhenAll(appliers).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ApplyWaitingAsync(IChannel channel, IChannel deadLetters, ChannelReader<Delivery> inbox, CancellationToken cancellationToken)
    {
        var batchSize = options.Value.BatchSize;
        while (await inbox.WaitToReadAsync(cancellationToken))
        {
            var batch = new List<Delivery>(batchSize);
            while (batch.Count < batchSize && inbox.TryRead(out var delivery))
            {
                batch.Add(delivery);
            }

            if (batch.Count > 0)
            {
                await SettleAsync(channel, deadLetters, batch, cancellationToken);
            }
        }
    }

    private async Task SettleAsync(IChannel channel, IChannel deadLetters, IReadOnlyList<Delivery> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var activities = batch.Select(StartActivity).ToList();
        try
        {
            var readable = new List<(Delivery Delivery, TMessage Message)>(batch.Count);
            foreach (var delivery in batch)
            {
                try
                {
                    readable.Add((delivery, handler.Read(delivery.Body)));
                }
                catch (PoisonMessageException ex)
                {
                    await DeadLetterAsync(channel, deadLetters, delivery, ex.Message, MessageOutcome.DeadLettered, started, cancellationToken);
                }
            }

            if (readable.Count > 0)
            {
                await ApplyAsync(channel, deadLetters, readable, started, cancellationToken);
            }
        }
        finally
        {
            for (var i = activities.Count - 1; i >= 0; i--)
            {
                activities[i]?.Dispose();
            }
        }
    }

    private async Task ApplyAsync(IChannel channel, IChannel deadLetters, List<(Delivery Delivery, TMessage Message)> batch, long started, CancellationToken cancellationToken)
    {
        IReadOnlyList<MessageOutcome> outcomes;
        try
        {
            outcomes = await handler.ApplyAsync([.. batch.Select(b => b.Message)], cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return; // Stopping: left unacked, the broker hands them to another consumer.
        }
        catch (Exception ex) when (handler.IsTransient(ex))
        {
            LogTransientFailure(batch.Count, ex.Message);
            await RequeueAsync(channel, batch.Select(b => b.Delivery), MessageOutcome.Requeued, started, cancellationToken);
            return;
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchFailed(batch.Count, ex.Message);
            foreach (var single in batch)
            {
                await ApplyAsync(channel, deadLetters, [single], Stopwatch.GetTimestamp(), cancellationToken);
            }

            return;
        }
        catch (Exception ex)
        {
            var delivery = batch[0].Delivery;
            if (delivery.Attempt >= options.Value.MaxDeliveries || ex is PoisonMessageException)
            {
                var reason = ex is PoisonMessageException ? ex.Message : $"failed {delivery.Attempt} times, last: {ex.GetType().Name}: {ex.Message}";
                await DeadLetterAsync(channel, deadLetters, delivery, reason, MessageOutcome.DeadLettered, started, cancellationToken);
            }
            else
            {
                LogFailure(delivery.Properties.MessageId, delivery.Attempt, options.Value.MaxDeliveries, ex);
                await RequeueAsync(channel, [delivery], MessageOutcome.Requeued, started, cancellationToken);
            }

            return;
        }

        var notYet = new List<Delivery>();
        for (var i = 0; i < batch.Count; i++)
        {
            var (delivery, message) = batch[i];
            if (outcomes[i] == MessageOutcome.Expired)
            {
                // Nothing was recorded for it, so it is not lost: it waits in the dead-letter queue for an operator.
                await DeadLetterAsync(channel, deadLetters, delivery, handler.ExpiredReason(message), MessageOutcome.Expired, started, cancellationToken);
            }
            else if (outcomes[i] == MessageOutcome.Requeued)
            {
                notYet.Add(delivery);
            }
            else
            {
                await channel.BasicAckAsync(delivery.Tag, multiple: false, cancellationToken);
                metrics.Settled(outcomes[i], Stopwatch.GetElapsedTime(started));
            }
        }

        if (notYet.Count > 0)
        {
            await RequeueAsync(channel, notYet, MessageOutcome.Requeued, started, cancellationToken);
        }
    }

    private async Task RequeueAsync(IChannel channel, IEnumerable<Delivery> deliveries, MessageOutcome outcome, long started, CancellationToken cancellationToken)
    {
        await Pause.ForAsync(options.Value.RetryDelay, cancellationToken);
        if (cancellationToken.IsCancellationRequested || !channel.IsOpen)
        {
            return;
        }

        foreach (var delivery in deliveries)
        {
            await channel.BasicNackAsync(delivery.Tag, multiple: false, requeue: true, CancellationToken.None);
            metrics.Settled(outcome, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Publishes the message to the dead-letter exchange with its reason and, once the dead-letter queue confirmed it,
    /// acks it. The dead letter keeps the routing key it arrived with, and the dead-letter queue is bound to every key,
    /// so how the message reached the queue does not matter. Unconfirmed (nack, returned as unroutable, channel trouble):
    /// the message goes back to the queue after a pause, and the worker goes on.
    /// </summary>
    /// <param name="outcome">What it is counted as once dead-lettered: <see cref="MessageOutcome.DeadLettered"/> or <see cref="MessageOutcome.Expired"/>.</param>
    private async Task DeadLetterAsync(IChannel channel, IChannel deadLetters, Delivery delivery, string reason, MessageOutcome outcome, long started, CancellationToken cancellationToken)
    {
        var headers = new Dictionary<string, object?>(delivery.Properties.Headers ?? new Dictionary<string, object?>())
        {
            [MessageHeaders.DeadLetterReason] = reason,
            [MessageHeaders.DeadLetteredAt] = DateTimeOffset.UtcNow.ToString("O"),
            [MessageHeaders.DeliveryAttempts] = delivery.Attempt,
        };
        var properties = new BasicProperties(delivery.Properties) { Headers = headers, Persistent = true };
        try
        {
            // Confirmed before the ack: a dead letter is never lost between the two queues.
            await deadLetters.BasicPublishAsync(queue.DeadLetterExchange, delivery.RoutingKey, mandatory: true, properties, delivery.Body, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDeadLetterFailed(delivery.Properties.MessageId, reason, BrokerErrors.Describe(ex));
            await RequeueAsync(channel, [delivery], MessageOutcome.DeadLetterFailed, started, cancellationToken);
            return;
        }

        await channel.BasicAckAsync(delivery.Tag, multiple: false, cancellationToken);
        metrics.Settled(outcome, Stopwatch.GetElapsedTime(started));
        LogDeadLettered(delivery.Properties.MessageId, delivery.Header(MessageHeaders.CorrelationId) ?? delivery.Properties.CorrelationId, reason);
    }

    private Activity? StartActivity(Delivery delivery)
    {
        var activity = Tracing.StartLinked(queue.SpanName, ActivityKind.Consumer, delivery.Header(MessageHeaders.TraceParent));
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.message.id", delivery.Properties.MessageId);
        return activity;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {EventId} (correlation {CorrelationId}) dead-lettered: {Reason}")]
    private partial void LogDeadLettered(string? eventId, string? correlationId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {EventId} could not be dead-lettered ({Reason}), returned to the queue: {Failure}")]
    private partial void LogDeadLetterFailed(string? eventId, string reason, string failure);

    [LoggerMessage(Level = LogLevel.Critical, Message = "A consumer applier failed; the session restarts and the broker redelivers its unacked messages")]
    private partial void LogApplierDied(Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database unavailable, {Count} messages returned to the queue: {Reason}")]
    private partial void LogTransientFailure(int count, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} messages failed, applying them one by one: {Reason}")]
    private partial void LogBatchFailed(int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Message {EventId} failed (delivery {Delivery} of {MaxDeliveries}), returned to the queue")]
    private partial void LogFailure(string? eventId, int delivery, int maxDeliveries, Exception exception);
}
