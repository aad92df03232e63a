using Registration.Contracts;

namespace Registration.Grains.Accounts;

/// <summary>A deletion saga's state as stored: one record, changed only through <see cref="AccountDeletionStore.SaveAsync"/>.</summary>
internal sealed record DeletionSaga(
    Guid UserId,
    AccountDeletionState State,
    DateTimeOffset RequestedAt,
    DateTimeOffset EraseAfter,
    DateTimeOffset? ErasingSince,
    string CorrelationId,
    IReadOnlyList<AccountDeletionStep> Steps,
    DateTimeOffset UpdatedAt,
    int Version)
{
    public bool IsOpen => State is AccountDeletionState.Scheduled or AccountDeletionState.Erasing or AccountDeletionState.Stuck;

    public static DeletionSaga Schedule(Guid userId, DateTimeOffset now, TimeSpan grace, string correlationId, int version) =>
        new(userId, AccountDeletionState.Scheduled, now, now + grace, null, correlationId,
            [.. ErasingServices.All.Select(service => new AccountDeletionStep(service, AccountDeletionStep.Waiting, null, 0))], now, version);

    public AccountDeletion ToView() => new(UserId, State, RequestedAt, EraseAfter, UpdatedAt, Steps);

    /// <summary>The steps still waiting for their service's reply.</summary>
    public IEnumerable<AccountDeletionStep> Unanswered => Steps.Where(s => s.State != AccountDeletionStep.Erased);

    /// <summary>This saga with the steps for which <paramref name="change"/> is true (re)requested now: one more attempt each.</summary>
    public DeletionSaga Request(Func<AccountDeletionStep, bool> change, DateTimeOffset now) => this with
    {
        Steps = [.. Steps.Select(s => change(s) ? s with { State = AccountDeletionStep.Requested, At = now, Attempts = s.Attempts + 1 } : s)],
        UpdatedAt = now,
    };

    public DeletionSaga Erased(string service, DateTimeOffset now) => this with
    {
        Steps = [.. Steps.Select(s => s.Service == service ? s with { State = AccountDeletionStep.Erased, At = now } : s)],
        UpdatedAt = now,
    };
}

/// <summary>One row of the audit trail: what moved the saga, from and to which state, for which service and by which event.</summary>
internal sealed record DeletionTransition(string Trigger, AccountDeletionState? From, AccountDeletionState To, string? Service = null, Guid? EventId = null);
