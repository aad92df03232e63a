using Registration.Contracts;

namespace Registration.Grains;

/// <summary>
/// The orchestrated saga that ends one account (the grain's Guid key = user id). Scheduled, it waits out
/// Account:DeletionGrace (the user may cancel: the compensation); then it asks every service that holds the user's data
/// to erase it (USER_ERASURE_REQUESTED through the auth outbox), re-sends a request not answered within
/// Account:StepTimeout (with backoff), and once every service answered USER_DATA_ERASED deletes the user row and its
/// refresh tokens and publishes USER_DELETED. A request that stays unanswered past Account:StepDeadline leaves the saga
/// Stuck, shown on the dashboard, until an operator retries it. Its state and every transition (the audit trail) are
/// committed in the auth database before and after each side effect; a reminder resumes it after a silo is lost.
/// </summary>
[Alias("registration.account-deletion")]
public interface IAccountDeletionGrain : IGrainWithGuidKey
{
    /// <summary>Schedules the erasure after the grace period (a cancelled one starts anew); a deletion under way is returned unchanged. Its events carry the calling request's correlation id.</summary>
    [Alias("registration.account-deletion.request")]
    Task<AccountDeletion> RequestAsync();

    /// <summary>The deletion, or null when none was ever requested.</summary>
    [Alias("registration.account-deletion.get")]
    Task<AccountDeletion?> GetAsync();

    /// <summary>Cancels a deletion still in its grace period (the account stays as it is); null when there is none to cancel.</summary>
    [Alias("registration.account-deletion.cancel")]
    Task<AccountDeletion?> CancelAsync();

    /// <summary>A service's USER_DATA_ERASED reply; a duplicated or unexpected reply changes nothing (Duplicate).</summary>
    [Alias("registration.account-deletion.apply-data-erased")]
    Task<MessageOutcome> ApplyDataErasedAsync(AccountEvent reply);

    /// <summary>An operator's retry of a Stuck deletion: the unanswered requests are sent again and the deadline restarts; null when it is not Stuck.</summary>
    [Alias("registration.account-deletion.retry")]
    Task<AccountDeletion?> RetryAsync();
}

/// <summary>The states of a deletion. The values are stored and travel: never renumber one.</summary>
[GenerateSerializer]
[Alias("registration.account-deletion-state")]
public enum AccountDeletionState
{
    /// <summary>Waiting out the grace period; the user may cancel.</summary>
    Scheduled = 0,

    /// <summary>The erasure was requested from every service; waiting for their replies.</summary>
    Erasing = 1,

    /// <summary>A reply did not come within Account:StepDeadline: waits for an operator's retry.</summary>
    Stuck = 2,

    /// <summary>Every service erased the user's data and the user row is deleted. Terminal.</summary>
    Erased = 3,

    /// <summary>Cancelled during the grace period: the account is as it was. Terminal.</summary>
    Cancelled = 4,
}

/// <summary>A deletion as the user and the operators see it.</summary>
[GenerateSerializer]
[Alias("registration.account-deletion-view")]
[Immutable]
public sealed record AccountDeletion(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] AccountDeletionState State,
    [property: Id(2)] DateTimeOffset RequestedAt,
    [property: Id(3)] DateTimeOffset EraseAfter,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] IReadOnlyList<AccountDeletionStep> Steps);

/// <summary>One service's part of the erasure: Waiting (not asked yet), Requested (asked, no reply yet) or Erased.</summary>
[GenerateSerializer]
[Alias("registration.account-deletion-step")]
[Immutable]
public sealed record AccountDeletionStep(
    [property: Id(0)] string Service,
    [property: Id(1)] string State,
    [property: Id(2)] DateTimeOffset? At,
    [property: Id(3)] int Attempts)
{
    public const string Waiting = "Waiting";
    public const string Requested = "Requested";
    public const string Erased = "Erased";
}
