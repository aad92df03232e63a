namespace Registration.Contracts;

/// <summary>
/// A task event as it travels on the wire (camelCase JSON, version 1): TODO_CREATED, TODO_UPDATED or TODO_DELETED,
/// written to the todo database's outbox in the transaction of the change. <see cref="Sequence"/> numbers one user's
/// task events in commit order, from 1 with no gap. <see cref="TodoChangedData.Title"/> and
/// <see cref="TodoChangedData.Completed"/> are the todo as the change left it (a deleted todo as it was).
/// </summary>
[GenerateSerializer]
[Alias("registration.todo-changed")]
[Immutable]
public sealed record TodoChanged(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string EventType,
    [property: Id(2)] int Version,
    [property: Id(3)] DateTimeOffset OccurredAt,
    [property: Id(4)] string CorrelationId,
    [property: Id(5)] long Sequence,
    [property: Id(6)] TodoChangedData Data)
{
    public const string Created = "TODO_CREATED";
    public const string Updated = "TODO_UPDATED";
    public const string Deleted = "TODO_DELETED";
    public const int CurrentVersion = 1;

    public static readonly IReadOnlyList<string> Types = [Created, Updated, Deleted];
}

[GenerateSerializer]
[Alias("registration.todo-changed-data")]
[Immutable]
public sealed record TodoChangedData(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] Guid TodoId,
    [property: Id(2)] string Title,
    [property: Id(3)] bool Completed);
