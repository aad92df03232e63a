using System.Text.Json.Serialization;

namespace Registration.Contracts;

/// <summary>
/// One notification of a user, as the notifications grain stores it and the API returns it. <see cref="Id"/> grows in
/// the order of the user's events and is the cursor of the list and of the stream. <see cref="PreviousId"/>, set only
/// on a notification pushed to the open streams as it is stored, is the id of the user's notification before it (0:
/// none): a stream that has not sent that one missed a push and reads the gap from the database.
/// </summary>
[GenerateSerializer]
[Alias("registration.notification")]
[Immutable]
public sealed record Notification(
    [property: Id(0)] long Id,
    [property: Id(1)] Guid EventId,
    [property: Id(2)] string Type,
    [property: Id(3)] string Text,
    [property: Id(4)] Guid? TodoId,
    [property: Id(5)] DateTime CreatedAt,
    [property: Id(6)] bool Read,
    [property: Id(7), JsonIgnore] long? PreviousId = null)
{
    public const string Welcome = "welcome";
    public const string TodoCreated = "todo.created";
    public const string TodoUpdated = "todo.updated";
    public const string TodoCompleted = "todo.completed";
    public const string TodoDeleted = "todo.deleted";
}

/// <summary>A page of notifications, newest first; <see cref="Next"/> is the cursor of the following page (null: no more).</summary>
[GenerateSerializer]
[Alias("registration.notification-page")]
[Immutable]
public sealed record NotificationPage(
    [property: Id(0)] IReadOnlyList<Notification> Items,
    [property: Id(1)] long? Next);
