using System.ComponentModel.DataAnnotations;

namespace Registration.ServiceDefaults.Data;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>How long start-up waits for the database before giving up.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
