using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Registration.Contracts;
using Registration.ServiceDefaults.Http;

namespace Registration.Grains.Accounts;

/// <summary>
/// The account deletion saga of one user. Every trigger (request, cancel, reply, retry, reminder tick) checks the state
/// first and does nothing when it is stale; every change is one <see cref="AccountDeletionStore.SaveAsync"/>: state,
/// audit trail and the event it sends, in one transaction, fenced by the state's version. The reminder is the timeout
/// worker: every Account:StepTimeout it ends the grace period, re-sends unanswered requests (backoff doubling up to
/// Account:MaxStepBackoff) and marks the saga Stuck after Account:StepDeadline; it is unregistered at Erased or Cancelled.
/// </summary>
public sealed partial class AccountDeletionGrain(
    AccountDeletionStore store, IOptions<AccountOptions> options, TimeProvider time, ILogger<AccountDeletionGrain> logger) : Grain, IAccountDeletionGrain, IRemindable
{
    private const string Watchdog = "account-deletion";

    private DeletionSaga? _saga;

    private Guid UserId => this.GetPrimaryKey();

    private AccountOptions Settings => options.Value;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _saga = await Transient(() => store.LoadAsync(UserId));

    public async Task<AccountDeletion> RequestAsync()
    {
        if (_saga is { IsOpen: true } open)
        {
            return open.ToView();
        }

        if (_saga is { State: AccountDeletionState.Erased } erased)
        {
            throw new AccountErasedException($"the account of user {UserId} was deleted at {erased.UpdatedAt:O}");
        }

        var next = DeletionSaga.Schedule(UserId, time.GetUtcNow(), Settings.DeletionGrace, CorrelationId.OfGrainCall() ?? CorrelationId.New(), _saga?.Version ?? 0);
        await StartWatchdogAsync();
        await SaveAsync(next, [new DeletionTransition("DeletionRequested", _saga?.State, AccountDeletionState.Scheduled)]);
        LogRequested(UserId, next.EraseAfter);
        await AdvanceAsync(); // a grace period of zero begins the erasure at once
        return _saga!.ToView();
    }

    public Task<AccountDeletion?> GetAsync() => Task.FromResult(_saga?.ToView());

    public async Task<AccountDeletion?> CancelAsync()
    {
        if (_saga is not { State: AccountDeletionState.Scheduled } scheduled)
        {
            return null;
        }

        await SaveAsync(
            scheduled with { State = AccountDeletionState.Cancelled, UpdatedAt = time.GetUtcNow() },
            [new DeletionTransition("DeletionCancelled", AccountDeletionState.Scheduled, AccountDeletionState.Cancelled)]);
        await StopWatchdogAsync();
        LogCancelled(UserId);
        return _saga!.ToView();
    }

    public async Task<MessageOutcome> ApplyDataErasedAsync(AccountEvent reply)
    {
        if (reply.Data.UserId != UserId)
        {
            throw new ArgumentException($"event {reply.EventId} belongs to user {reply.Data.UserId}, not to {UserId}", nameof(reply));
        }

        var service = reply.Data.Service!;
        if (_saga is not { State: AccountDeletionState.Erasing or AccountDeletionState.Stuck } erasing
            || erasing.Steps.FirstOrDefault(s => s.Service == service) is not { State: AccountDeletionStep.Requested })
        {
            LogReplyIgnored(UserId, service, reply.EventId, _saga?.State);
            return MessageOutcome.Duplicate;
        }

        var now = time.GetUtcNow();
        var next = erasing.Erased(service, now);
        var answered = new DeletionTransition("UserDataErased", erasing.State, erasing.State, service, reply.EventId);
        if (next.Unanswered.Any())
        {
            await SaveAsync(next, [answered]);
            return MessageOutcome.Applied;
        }

        // Every service has erased: the user row goes (its refresh tokens with it) and USER_DELETED is sent, with the state.
        var deleted = AccountEvent.Create(AccountEvent.Deleted, now, erasing.CorrelationId, UserId);
        await SaveAsync(
            next with { State = AccountDeletionState.Erased },
            [answered, new DeletionTransition("UserDeleted", erasing.State, AccountDeletionState.Erased, EventId: deleted.EventId)],
            deleted,
            deleteUser: true);
        await StopWatchdogAsync();
        LogErased(UserId);
        return MessageOutcome.Applied;
    }

    public async Task<AccountDeletion?> RetryAsync()
    {
        if (_saga is not { State: AccountDeletionState.Stuck } stuck)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var request = AccountEvent.Create(AccountEvent.ErasureRequested, now, stuck.CorrelationId, UserId);
        await StartWatchdogAsync();
        await SaveAsync(
            stuck.Request(s => s.State == AccountDeletionStep.Requested, now) with { State = AccountDeletionState.Erasing, ErasingSince = now },
            [new DeletionTransition("RetryRequested", AccountDeletionState.Stuck, AccountDeletionState.Erasing, EventId: request.EventId)],
            request);
        LogRetried(UserId);
        return _saga!.ToView();
    }

    /// <summary>
    /// A tick reads the saga again first: the stored state is the truth, and an activation that missed a change (a
    /// duplicate one, while the cluster settles after a failure) must neither stop the watchdog nor act on an old state.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _saga = await Transient(() => store.LoadAsync(UserId));
        await AdvanceAsync();
    }

    /// <summary>The timeout worker's step: whatever the time says is due now, or nothing.</summary>
    private async Task AdvanceAsync()
    {
        var now = time.GetUtcNow();
        switch (_saga)
        {
            case null or { IsOpen: false }:
                await StopWatchdogAsync();
                break;
            case { State: AccountDeletionState.Scheduled } scheduled when now >= scheduled.EraseAfter:
                var request = AccountEvent.Create(AccountEvent.ErasureRequested, now, scheduled.CorrelationId, UserId);
                await SaveAsync(
                    scheduled.Request(_ => true, now) with { State = AccountDeletionState.Erasing, ErasingSince = now },
                    [new DeletionTransition("DeletionGraceElapsed", AccountDeletionState.Scheduled, AccountDeletionState.Erasing, EventId: request.EventId)],
                    request);
                LogErasing(UserId);
                break;
            case { State: AccountDeletionState.Erasing, ErasingSince: { } since } erasing when now - since >= Settings.StepDeadline:
                await SaveAsync(
                    erasing with { State = AccountDeletionState.Stuck, UpdatedAt = now },
                    [.. erasing.Unanswered.Select(s => new DeletionTransition("StepDeadlineElapsed", AccountDeletionState.Erasing, AccountDeletionState.Stuck, s.Service))]);
                LogStuck(UserId, string.Join(", ", erasing.Unanswered.Select(s => s.Service)), Settings.StepDeadline);
                break;
            case { State: AccountDeletionState.Erasing } erasing when erasing.Unanswered.Where(s => IsDue(s, now)).ToList() is { Count: > 0 } due:
                var again = AccountEvent.Create(AccountEvent.ErasureRequested, now, erasing.CorrelationId, UserId);
                await SaveAsync(
                    erasing.Request(due.Contains, now),
                    [.. due.Select(s => new DeletionTransition("StepTimedOut", AccountDeletionState.Erasing, AccountDeletionState.Erasing, s.Service, again.EventId))],
                    again);
                LogResent(UserId, string.Join(", ", due.Select(s => s.Service)));
                break;
        }
    }

    /// <summary>A request is sent again when its reply is later than Account:StepTimeout, doubled per attempt, at most Account:MaxStepBackoff.</summary>
    private bool IsDue(AccountDeletionStep step, DateTimeOffset now)
    {
        var wait = Settings.StepTimeout * Math.Pow(2, Math.Min(step.Attempts - 1, 16));
        return now - step.At >= (wait < Settings.MaxStepBackoff ? wait : Settings.MaxStepBackoff);
    }

    private async Task SaveAsync(DeletionSaga next, IReadOnlyList<DeletionTransition> transitions, AccountEvent? send = null, bool deleteUser = false)
    {
        var expected = _saga?.Version ?? 0;
        var saved = await Transient(() => store.SaveAsync(next, expected, transitions, send, deleteUser));
        if (saved is not { } done)
        {
            // Another activation moved the saga first (Orleans' single activation is eventually consistent): read it again; the caller retries.
            _saga = await Transient(() => store.LoadAsync(UserId));
            throw new StoreUnavailableException($"the deletion of user {UserId} was changed meanwhile; try again");
        }

        _saga = done.Saga;
        if (done.Partition is { } partition)
        {
            GrainFactory.Relay(Outboxes.Auth, partition).Wake().Ignore();
        }
    }

    /// <summary>
    /// Started before the save that opens (or reopens) the saga: a process that dies between the two leaves either no saga
    /// and a watchdog that stops itself at its first tick, or a saga with its watchdog; never an open saga without one.
    /// </summary>
    private Task StartWatchdogAsync() => this.RegisterOrUpdateReminder(Watchdog, Settings.StepTimeout, Settings.StepTimeout);

    private async Task StopWatchdogAsync()
    {
        if (await this.GetReminder(Watchdog) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private static Task<T> Transient<T>(Func<Task<T>> work) => StoreFailures.Transient("auth", work);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deletion of user {UserId} requested: erasure after {EraseAfter:O}")]
    private partial void LogRequested(Guid userId, DateTimeOffset eraseAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deletion of user {UserId} cancelled")]
    private partial void LogCancelled(Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deletion of user {UserId}: grace period over, erasure requested from every service")]
    private partial void LogErasing(Guid userId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deletion of user {UserId}: no reply from {Services} yet, erasure requested again")]
    private partial void LogResent(Guid userId, string services);

    [LoggerMessage(Level = LogLevel.Error, Message = "Deletion of user {UserId} is stuck: {Services} did not answer within Account:StepDeadline ({Deadline}); retry it from the dashboard")]
    private partial void LogStuck(Guid userId, string services, TimeSpan deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deletion of user {UserId} retried by an operator")]
    private partial void LogRetried(Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {UserId} erased in every service and deleted")]
    private partial void LogErased(Guid userId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply of {Service} for user {UserId} ({EventId}) changes nothing: the deletion is {State}")]
    private partial void LogReplyIgnored(Guid userId, string service, Guid eventId, AccountDeletionState? state);
}
