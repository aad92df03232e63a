using System.ComponentModel.DataAnnotations;

namespace TodoConsumer.DeadLetters;

public sealed class DeadLetterOptions
{
    public const string Section = "DeadLetters";

    /// <summary>At most this many messages of the dead-letter queue are looked at by one list, replay or discard.</summary>
    [Range(1, 10_000)]
    public int ScanLimit { get; set; } = 1000;

    /// <summary>Wait for the broker's confirm of a replayed message before counting the replay as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Wait for another instance's dead-letter operation to finish before giving up with 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
