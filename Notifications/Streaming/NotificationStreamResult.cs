using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.Grains;

namespace Notifications.Streaming;

/// <summary>
/// The user's notifications as Server-Sent Events. Subscribes first, then reads from the database what came after the
/// client's Last-Event-ID, then sends what the grain pushes, skipping whatever was sent already: no gap, no repeat. A
/// push names the user's notification before it; when this stream has not sent that one, a push was lost (a one-way
/// call does not survive a dropped connection) and the gap is read from the database.
/// Each event's <c>id:</c> is its notification's cursor. The subscription is renewed at half its expiry; when the grain
/// did not know it any more (its activation moved), what was missed is read from the database again. A heartbeat
/// comment goes out when nothing else did for Notifications:StreamHeartbeat.
/// </summary>
public sealed partial class NotificationStreamResult(
    IGrainFactory grains, INotificationsGrain grain, long? lastEventId, NotificationStreamOptions options, ILogger logger) : IResult
{
    private const int CatchUpPage = 100;

    public async Task ExecuteAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        var connection = new StreamConnection(options.StreamBuffer);
        var observer = grains.CreateObjectReference<INotificationObserver>(connection);
        try
        {
            await grain.SubscribeAsync(observer).WaitAsync(cancellationToken);
            var response = http.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            var last = lastEventId ?? await NewestIdAsync(cancellationToken);
            await response.WriteAsync(": connected\n\n", cancellationToken);
            last = await CatchUpAsync(response, last, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);

            using var renewal = new CancellationTokenSource();
            var renewing = RenewAsync(connection, observer, renewal.Token);
            try
            {
                await SendLiveAsync(response, connection, last, cancellationToken);
            }
            finally
            {
                await renewal.CancelAsync();
                await renewing;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            try
            {
                await grain.UnsubscribeAsync(observer).WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex)
            {
                LogUnsubscribeFailed(ex.Message); // it expires on its own
            }

            grains.DeleteObjectReference<INotificationObserver>(observer);
        }
    }

    private async Task SendLiveAsync(HttpResponse response, StreamConnection connection, long last, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            heartbeat.CancelAfter(options.StreamHeartbeat);
            bool more;
            try
            {
                more = await connection.Items.WaitToReadAsync(heartbeat.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": heartbeat\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                continue;
            }

            if (!more)
            {
                LogOverflowed(options.StreamBuffer); // the client reconnects with Last-Event-ID and reads the rest
                return;
            }

            while (connection.Items.TryRead(out var item))
            {
                if (item.Notification is not { } notification || notification.PreviousId > last)
                {
                    // A catch-up signal, or a push whose predecessor this stream never got (a push lost on its way, with the
                    // connection it travelled on): the database has both.
                    last = await CatchUpAsync(response, last, cancellationToken);
                }
                else if (notification.Id > last)
                {
                    await WriteEventAsync(response, notification, cancellationToken);
                    last = notification.Id;
                }
            }

            await response.Body.FlushAsync(cancellationToken);
        }
    }

    private async Task RenewAsync(StreamConnection connection, INotificationObserver observer, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(INotificationsGrain.SubscriptionExpiry / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await grain.SubscribeAsync(observer).WaitAsync(cancellationToken))
                    {
                        connection.CatchUp();
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogRenewalFailed(ex.Message); // the next tick tries again, and then catches up
                    connection.CatchUp();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<long> NewestIdAsync(CancellationToken cancellationToken)
    {
        var newest = await grain.ListAsync(1, null).WaitAsync(cancellationToken);
        return newest.Items.Count > 0 ? newest.Items[0].Id : 0;
    }

    private async Task<long> CatchUpAsync(HttpResponse response, long last, CancellationToken cancellationToken)
    {
        while (true)
        {
            var missed = await grain.ListAfterAsync(last, CatchUpPage).WaitAsync(cancellationToken);
            foreach (var notification in missed)
            {
                await WriteEventAsync(response, notification, cancellationToken);
                last = notification.Id;
            }

            if (missed.Count < CatchUpPage)
            {
                return last;
            }
        }
    }

    private static Task WriteEventAsync(HttpResponse response, Notification notification, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(notification, JsonSerializerOptions.Web);
        var text = new StringBuilder()
            .Append("id: ").Append(notification.Id).Append('\n')
            .Append("event: notification\n")
            .Append("data: ").Append(data).Append("\n\n")
            .ToString();
        return response.WriteAsync(text, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A notification stream fell {Buffer} notifications behind and was ended; its client resumes from its last event id")]
    private partial void LogOverflowed(int buffer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A notification stream's subscription could not be renewed: {Reason}")]
    private partial void LogRenewalFailed(string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A closed notification stream could not unsubscribe (its subscription expires): {Reason}")]
    private partial void LogUnsubscribeFailed(string reason);
}
