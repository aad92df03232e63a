using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using RabbitMQ.Client;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Outbox;

/// <summary>
/// Relays one partition of one outbox (its key: the partition, with the outbox's name as extension). On activation it takes a new epoch for the partition; every claim and every mark
/// checks that epoch in its own statement (<see cref="OutboxStore"/>), and no lock is held while a batch is published.
/// So a stale, duplicate or frozen activation changes nothing once a newer one took the partition, and never makes the
/// newer one wait: it may publish a batch it claimed before (duplicates, which the consumer absorbs), then finds itself
/// fenced and deactivates. It drains on <see cref="Wake"/> and on a timer (the fallback poll), one step at a time (the
/// grain is not reentrant), so the partition's rows leave in id order. Its keep-alive reminder (registered on activation; every
/// silo starts every relay once at start) is what brings it back: its tick activates the grain, e.g. on a survivor
/// after its silo died.
/// <see cref="PartitionPlacement"/> spreads the partitions over the live silos; an activation on another silo than its
/// partition's migrates there on its next tick. A tick that found nothing to relay may delete one small batch of SENT
/// rows past Outbox:Retention (<see cref="OutboxRetention"/>): never while rows wait, and paced, so retention stays off
/// the publish path.
/// </summary>
[PartitionPlacement]
public sealed partial class OutboxRelayGrain(
    RelayBroker broker,
    OutboxMetrics metrics,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelayGrain> logger) : Grain, IOutboxRelayGrain, IRemindable
{
    public const string KeepAliveReminder = "keep-alive";

    private RelayedOutbox? _outbox;
    private EpochFence? _fence;
    private IChannel? _channel;
    private long _retentionDueAt; // Environment.TickCount64; the first pass runs on the first idle tick

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var partition = checked((short)this.GetPrimaryKeyLong(out var name));
        if (name is null)
        {
            // A key without an outbox is of an older release, whose relays had the auth outbox alone: its reminder is retired.
            await RetireAsync(partition);
            return;
        }

        _outbox = ServiceProvider.GetKeyedService<RelayedOutbox>(name)
            ?? throw new ArgumentException($"no outbox '{name}' to relay (known: {string.Join(", ", Outboxes.All)})");

        // First, so that the reminder retries an activation whose epoch could not be taken (the database unreachable).
        var keepAlive = options.Value.KeepAlivePeriod;
        await this.RegisterOrUpdateReminder(KeepAliveReminder, keepAlive, keepAlive);
        _fence = new EpochFence(partition, await _outbox.Epochs.NextAsync(partition, cancellationToken));
        LogActivated(name, partition, _fence.Epoch);
        // KeepAlive: the activation lives as long as its silo; its reminder brings it back when the silo does not.
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.Zero, options.Value.PollInterval) { KeepAlive = true });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await CloseChannelAsync();
        if (_fence is not null)
        {
            LogDeactivated(_outbox!.Name, _fence.Partition, _fence.Epoch, reason.Description);
        }
    }

    /// <summary>One batch at once (the latency path); a backlog is left to the timer, whose ticks end with the activation.</summary>
    public Task Wake() => _fence is null ? Task.CompletedTask : DrainAsync(maxBatches: 1, probeFirst: false, CancellationToken.None);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public Task<RelayPartitionState> GetStateAsync() => _fence is null
        ? throw new InvalidOperationException("this relay key names no outbox")
        : Task.FromResult(new RelayPartitionState(_fence.Partition, _fence.Epoch, silo.SiloAddress.ToString(), _outbox!.Name));

    private async Task RetireAsync(short partition)
    {
        if (await this.GetReminder(KeepAliveReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        LogRetired(partition);
        DeactivateOnIdle();
    }

    /// <summary>Drains, deletes expired SENT rows if the partition had nothing to relay and a pass is due, then moves to the silo that owns the partition now if that is another one.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (await DrainAsync(int.MaxValue, probeFirst: true, cancellationToken) && Environment.TickCount64 >= _retentionDueAt)
        {
            await DeleteExpiredAsync(cancellationToken);
        }

        var live = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress).ToList();
        if (live.Count > 0 && !PartitionPlacement.OwnerOf(_outbox!.Name, _fence!.Partition, live).Equals(silo.SiloAddress))
        {
            LogMoving(_outbox.Name, _fence.Partition);
            this.MigrateOnIdle();
        }
    }

    /// <summary>Relays batches until the partition has no due rows, a publish failed, this activation was fenced, or <paramref name="maxBatches"/> ran.</summary>
    /// <param name="probeFirst">
    /// Ask first whether the partition has any PENDING row (the timer's fallback poll): an idle partition then costs one
    /// indexed statement instead of a claim, and a row whose wake-up was lost is still claimed on this tick.
    /// A stale activation of an idle partition is then fenced at its next claim rather than on this tick; it changes nothing meanwhile.
    /// </param>
    /// <returns>Whether the partition had no due rows at all (nothing claimed, nothing failed, this activation still holds it).</returns>
    private async Task<bool> DrainAsync(int maxBatches, bool probeFirst, CancellationToken cancellationToken)
    {
        var (outbox, fence) = (_outbox!, _fence!);
        var batchSize = options.Value.BatchSize;
        var claimedAny = false;
        try
        {
            for (var batch = 0; batch < maxBatches && !cancellationToken.IsCancellationRequested; batch++)
            {
                if (_channel is { IsOpen: false })
                {
                    await CloseChannelAsync(); // lost while idle: a new one, rather than failing a whole batch on it
                }

                _channel ??= await broker.OpenChannelAsync(batchSize, cancellationToken); // also while idle: readiness shows the broker
                if (probeFirst && batch == 0 && !await outbox.Relay.HasPendingAsync(fence.Partition, cancellationToken))
                {
                    return true;
                }

                var started = Stopwatch.GetTimestamp();
                var result = await outbox.Relay.RelayBatchAsync(_channel, fence, cancellationToken);
                metrics.Relayed(outbox.Name, result, Stopwatch.GetElapsedTime(started));
                claimedAny |= result.Claimed > 0;
                if (result.Superseded)
                {
                    LogFenced(outbox.Name, fence.Partition, fence.Epoch, result.Fenced);
                    DeactivateOnIdle();
                    return false;
                }

                if (result.Failed > 0)
                {
                    LogPublishFailed(outbox.Name, fence.Partition, result.Failed, result.FirstError);
                    return false;
                }

                if (result.Claimed < batchSize)
                {
                    return !claimedAny;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Database or broker trouble, or anything unforeseen: the next tick or wake tries again on a new
            // channel (broker trouble also shows in the silo's readiness). Nothing is marked, so nothing is lost.
            LogStepFailed(outbox.Name, fence.Partition, ex.Message);
            await CloseChannelAsync();
        }

        return false;
    }

    /// <summary>
    /// One batch of SENT rows past the retention. A full batch means more are waiting: the next pass is due after a tenth
    /// of Outbox:RetentionInterval (6 s by default: up to about 2,700 rows/s over 16 partitions, far more than any
    /// registration rate, without crowding the relay while it catches up); otherwise after Outbox:RetentionInterval.
    /// While rows of any partition wait to be relayed nothing is deleted, and the pass is tried again on the next idle tick.
    /// A failure is logged and tried again after the interval.
    /// </summary>
    private async Task DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        try
        {
            if (await _outbox!.Retention.DeleteExpiredAsync(_fence!, cancellationToken) is not { } deleted)
            {
                return;
            }

            metrics.RetentionDeleted(_outbox.Name, deleted);
            var pause = deleted >= settings.RetentionBatchSize ? settings.RetentionInterval / 10 : settings.RetentionInterval;
            _retentionDueAt = Environment.TickCount64 + (long)pause.TotalMilliseconds;
            if (deleted > 0)
            {
                LogRetentionDeleted(_outbox.Name, _fence!.Partition, deleted);
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _retentionDueAt = Environment.TickCount64 + (long)settings.RetentionInterval.TotalMilliseconds;
            LogRetentionFailed(_outbox!.Name, _fence!.Partition, ex.Message);
        }
    }

    private async Task CloseChannelAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
            _channel = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay of {Outbox} outbox partition {Partition} activated with epoch {Epoch}")]
    private partial void LogActivated(string outbox, short partition, long epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay of {Outbox} outbox partition {Partition} (epoch {Epoch}) deactivated: {Reason}")]
    private partial void LogDeactivated(string outbox, short partition, long epoch, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay key {Partition} names no outbox (an older release's): its keep-alive reminder is unregistered")]
    private partial void LogRetired(short partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Relay of {Outbox} outbox partition {Partition} moves to the silo that owns the partition now")]
    private partial void LogMoving(string outbox, short partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of {Outbox} outbox partition {Partition} was fenced (epoch {Epoch} is no longer current; {Count} confirmed events left to the newer activation); deactivating")]
    private partial void LogFenced(string outbox, short partition, long epoch, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Outbox} outbox partition {Partition}: {Count} events not confirmed, kept PENDING with backoff: {Error}")]
    private partial void LogPublishFailed(string outbox, short partition, int count, string? error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Outbox} outbox partition {Partition}: {Count} SENT rows past the retention deleted")]
    private partial void LogRetentionDeleted(string outbox, short partition, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention of {Outbox} outbox partition {Partition} failed, tried again later: {Reason}")]
    private partial void LogRetentionFailed(string outbox, short partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay step of {Outbox} outbox partition {Partition} failed, retried on the next tick: {Reason}")]
    private partial void LogStepFailed(string outbox, short partition, string reason);
}
