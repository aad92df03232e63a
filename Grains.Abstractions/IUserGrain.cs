using Registration.Contracts;

namespace Registration.Grains;

/// <summary>
/// One user (the grain's Guid key = user id): applies the user's events exactly once and owns the user's todos.
/// Its calls run one at a time, so the user's events apply in the order they arrive.
/// </summary>
[Alias("registration.user")]
public interface IUserGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Creates the welcome todo and records the event in processed_events in one transaction. A duplicate (its key
    /// exists) creates nothing, however old it is; an event older than the user's last applied sequence is recorded as
    /// stale; an event not seen before that occurred longer than Consumer:MaxMessageAge ago is
    /// <see cref="MessageOutcome.Expired"/>: nothing is recorded or created, since its key may have been deleted after it
    /// was applied. The unique event key in the database is the guarantee, even if the grain were active twice.
    /// </summary>
    [Alias("registration.user.apply-user-registered")]
    Task<MessageOutcome> ApplyUserRegisteredAsync(UserRegistered registered);

    /// <summary>
    /// The account deletion's erasure request: deletes the user's todos, task-event sequence and dedup keys, records a
    /// tombstone (so a late or duplicated event of the user creates nothing, and the user's calls throw
    /// <see cref="AccountErasedException"/>) and answers USER_DATA_ERASED through the todo database's outbox, in one
    /// transaction. Idempotent: a repeated request erases nothing more and answers again.
    /// </summary>
    [Alias("registration.user.erase")]
    Task<MessageOutcome> EraseAsync(AccountEvent request);

    /// <summary>At most <paramref name="take"/> of the user's todos in creation order, those after <paramref name="after"/> (null: from the first).</summary>
    [Alias("registration.user.list-todos-page")]
    Task<IReadOnlyList<Todo>> ListTodosAsync(int take, TodoCursor? after);

    [Alias("registration.user.get-todo")]
    Task<Todo?> GetTodoAsync(Guid id);

    /// <param name="title">Already validated: trimmed, 1 to <see cref="Todo.MaxTitleLength"/> characters.</param>
    [Alias("registration.user.create-todo")]
    Task<Todo> CreateTodoAsync(string title);

    /// <summary>Changes the title and/or the completed flag (null: unchanged); null when the user has no such todo.</summary>
    [Alias("registration.user.update-todo")]
    Task<Todo?> UpdateTodoAsync(Guid id, string? title, bool? completed);

    /// <summary>False when the user has no such todo.</summary>
    [Alias("registration.user.delete-todo")]
    Task<bool> DeleteTodoAsync(Guid id);
}
