using System.Diagnostics.CodeAnalysis;
using System.Text;
using DotNetCore.CAP;
using DotNetCore.CAP.Messages;
using DotNetCore.CAP.Transport;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using CapHeaders = DotNetCore.CAP.Messages.Headers;

namespace CapPeer.Transport;

/// <summary>
/// One CAP consumer thread: its own channel on the consuming connection, the group's durable queue, a prefetch and
/// manual acks. CAP's callback stores each delivery in its received table (its inbox) and runs the subscriber, then
/// commits, which acks; a reject requeues. A channel the broker or the network closed is reported as a consumer
/// shutdown, on which CAP's transport check restarts its consumers.
/// </summary>
internal sealed class RabbitConsumerClient(string queue, ushort concurrency, RabbitConnection connection, RabbitTransportOptions options)
    : IConsumerClient
{
    private IChannel? _channel;
    private CancellationToken _stopping;

    public BrokerAddress BrokerAddress => new("RabbitMQ", options.Endpoint);

    // CAP sets both callbacks before it subscribes.
    [AllowNull]
    public Func<TransportMessage, object?, Task> OnMessageCallback { get; set; } = null!;

    public Action<LogMessageEventArgs>? OnLogCallback { get; set; }

    public async Task<ICollection<string>> FetchTopicsAsync(IEnumerable<string> topicNames)
    {
        await GetChannelAsync();
        return topicNames.ToList();
    }

    public async Task SubscribeAsync(IEnumerable<string> topics)
    {
        var channel = await GetChannelAsync();
        await RabbitTopology.DeclareQueueAsync(channel, options.Exchange, queue, topics);
    }

    public async Task ListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        _stopping = cancellationToken;
        var channel = await GetChannelAsync();
        await channel.BasicQosAsync(prefetchSize: 0, options.PrefetchCount, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnMessageCallback(ToTransportMessage(delivery), delivery.DeliveryTag);
        consumer.RegisteredAsync += (_, args) => LogAsync(MqLogType.ConsumerRegistered, string.Join(",", args.ConsumerTags));
        consumer.ShutdownAsync += (_, args) => args.Initiator == ShutdownInitiator.Application
            ? Task.CompletedTask
            : LogAsync(MqLogType.ConsumerShutdown, args.ReplyText);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    /// <remarks>
    /// Once CAP is stopping it skips running a stored delivery but still commits it. A commit after the stop began is
    /// therefore not acked: the broker redelivers the message at once, instead of it waiting in CAP's inbox for the
    /// retry processor (<c>FallbackWindowLookbackSeconds</c>, 240 s by default).
    /// </remarks>
    public async Task CommitAsync(object? sender)
    {
        if (!_stopping.IsCancellationRequested && _channel is { IsOpen: true } channel && sender is ulong deliveryTag)
        {
            await channel.BasicAckAsync(deliveryTag, multiple: false);
        }
    }

    public async Task RejectAsync(object? sender)
    {
        if (_channel is { IsOpen: true } channel && sender is ulong deliveryTag)
        {
            await channel.BasicRejectAsync(deliveryTag, requeue: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }
    }

    private async Task<IChannel> GetChannelAsync()
    {
        if (_channel is not null)
        {
            return _channel;
        }

        try
        {
            var open = await connection.GetAsync();
            _channel = await open.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: concurrency));
            return _channel;
        }
        catch (Exception ex) when (ex is not BrokerConnectionException)
        {
            throw new BrokerConnectionException(ex);
        }
    }

    /// <summary>CAP's headers come back as AMQP long strings (bytes); the group header tells CAP which subscriber runs it.</summary>
    private TransportMessage ToTransportMessage(BasicDeliverEventArgs delivery)
    {
        var headers = new Dictionary<string, string?>();
        foreach (var (name, value) in delivery.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            headers[name] = value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : value?.ToString();
        }

        headers[CapHeaders.Group] = queue;
        return new TransportMessage(headers, delivery.Body.ToArray());
    }

    private Task LogAsync(MqLogType type, string reason)
    {
        OnLogCallback?.Invoke(new LogMessageEventArgs { LogType = type, Reason = reason });
        return Task.CompletedTask;
    }
}
