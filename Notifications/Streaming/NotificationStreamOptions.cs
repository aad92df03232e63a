using System.ComponentModel.DataAnnotations;

namespace Notifications.Streaming;

/// <summary>The stream's settings (section Notifications).</summary>
public sealed class NotificationStreamOptions
{
    /// <summary>A comment line sent when nothing else was, so proxies and clients see the connection alive.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Notifications waiting for one slow connection; when it is full the stream ends and the client resumes with Last-Event-ID.</summary>
    [Range(1, 100_000)]
    public int StreamBuffer { get; set; } = 256;
}
