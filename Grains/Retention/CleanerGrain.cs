namespace Registration.Grains.Retention;

/// <summary>
/// A cluster-wide cleaner: a reminder keeps it alive (and brings it back after its silo died), a timer every
/// <see cref="Interval"/> runs a pass. A pass deletes batches while they come back full, at most
/// <see cref="MaxBatchesPerPass"/> of them, so a backlog of expired rows is worked off over several passes without one pass
/// holding the grain long. A failure (the database unreachable or not migrated yet) ends the pass; the next tick tries
/// again. Should Orleans briefly run two activations, both only delete expired rows, skipping rows the other holds.
/// </summary>
public abstract class CleanerGrain : Grain, IRemindable
{
    public const int MaxBatchesPerPass = 10;
    private const string KeepAliveReminder = "keep-alive";

    protected abstract TimeSpan Interval { get; }

    protected abstract int BatchSize { get; }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        this.RegisterGrainTimer(CleanAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Interval) { KeepAlive = true });
    }

    /// <summary>Activates the cleaner if it is not running; nothing else.</summary>
    public Task EnsureRunningAsync() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    /// <summary>Deletes at most <see cref="BatchSize"/> expired rows; returns how many it deleted.</summary>
    protected abstract Task<int> DeleteBatchAsync(CancellationToken cancellationToken);

    protected abstract void Deleted(int count);

    protected abstract void Failed(string reason);

    private async Task CleanAsync(CancellationToken cancellationToken)
    {
        try
        {
            for (var batch = 0; batch < MaxBatchesPerPass && !cancellationToken.IsCancellationRequested; batch++)
            {
                var count = await DeleteBatchAsync(cancellationToken);
                Deleted(count);
                if (count < BatchSize)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Failed(ex.Message);
        }
    }
}
