using RabbitMQ.Client.Exceptions;

namespace Registration.Messaging.Broker;

public static class BrokerErrors
{
    /// <summary>Why a publish with confirms failed, in words for a row's last error or a log line.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        PublishException { IsReturn: true } => "returned by the broker: unroutable (no queue bound for the routing key)",
        PublishException => "nacked by the broker",
        OperationCanceledException or TimeoutException => "no confirm from the broker within the timeout",
        AlreadyClosedException or OperationInterruptedException => $"broker connection lost: {exception.Message}",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };
}
