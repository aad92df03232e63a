using DotNetCore.CAP;
using DotNetCore.CAP.Internal;
using DotNetCore.CAP.Messages;
using DotNetCore.CAP.Transport;
using RabbitMQ.Client;

namespace CapPeer.Transport;

/// <summary>
/// CAP's sender: publishes each stored message to the topic exchange, routed by its topic, persistent, with CAP's
/// headers as AMQP headers. One channel with publisher confirmation tracking carries every send (CAP calls this
/// concurrently when parallel sending is on); a send succeeds only once the broker confirmed it. Mandatory: a message
/// that no queue is bound for comes back as a failure, which CAP stores and retries, rather than being dropped.
/// </summary>
internal sealed class RabbitTransport(RabbitConnections connections, RabbitTransportOptions options) : ITransport, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;

    public BrokerAddress BrokerAddress => new("RabbitMQ", options.Endpoint);

    public async Task<OperateResult> SendAsync(TransportMessage message)
    {
        try
        {
            var channel = await GetChannelAsync();
            var properties = new BasicProperties
            {
                Persistent = true,
                MessageId = message.GetId(),
                Headers = message.Headers.ToDictionary(header => header.Key, header => (object?)header.Value),
            };
            using var timeout = new CancellationTokenSource(options.ConfirmTimeout);
            await channel.BasicPublishAsync(options.Exchange, message.GetName(), mandatory: true, properties, message.Body, timeout.Token);
            return OperateResult.Success;
        }
        catch (Exception ex)
        {
            return OperateResult.Failed(new PublisherSentFailedException(ex.Message, ex));
        }
    }

    private async ValueTask<IChannel> GetChannelAsync()
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync();
        try
        {
            if (_channel is { IsOpen: true } opened)
            {
                return opened;
            }

            if (_channel is not null)
            {
                await _channel.DisposeAsync();
                _channel = null;
            }

            var connection = await connections.Publishing.GetAsync();
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
                publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            try
            {
                await RabbitTopology.DeclareExchangeAsync(channel, options.Exchange);
                foreach (var binding in options.PublisherBindings)
                {
                    await RabbitTopology.DeclareQueueAsync(channel, options.Exchange, binding.Queue, [binding.Topic]);
                }
            }
            catch
            {
                await channel.DisposeAsync();
                throw;
            }

            _channel = channel;
            return channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        _gate.Dispose();
    }
}
