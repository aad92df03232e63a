namespace Registration.Grains.Notifications;

/// <summary>The notify database (notifications, per-user order): the silo's keyed data source, migrated by the Notifications service.</summary>
public static class NotifyDatabase
{
    /// <summary>The data source's service key and its connection string's name (ConnectionStrings:NotifyDatabase).</summary>
    public const string Name = "NotifyDatabase";
}
