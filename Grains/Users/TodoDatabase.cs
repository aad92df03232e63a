namespace Registration.Grains.Users;

/// <summary>The todo database (todos, processed_events, user_event_state): the silo's keyed data source, migrated by TodoConsumer.</summary>
public static class TodoDatabase
{
    /// <summary>The data source's service key and its connection string's name (ConnectionStrings:TodoDatabase).</summary>
    public const string Name = "TodoDatabase";
}
