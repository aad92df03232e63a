using AuthApi.Security;
using Microsoft.Extensions.Options;

namespace Registration.Tests.Auth;

/// <summary>The hashing queue on its own: slots, the bounded wait, refusals and cancellation.</summary>
public sealed class PasswordHashingTests
{
    // A few seconds per hash (BCrypt doubles its cost with each step; 10 took about 72 ms on the 2-core test
    // machine): far longer than the waits below, so they cannot race it.
    private const int SlowWorkFactor = 15;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    private static PasswordHashing Create(int slots, int queueLimit, TimeSpan queueTimeout, int workFactor = SlowWorkFactor) =>
        new(Options.Create(new PasswordHashingOptions
        {
            WorkFactor = workFactor,
            MaxConcurrency = slots,
            QueueLimit = queueLimit,
            QueueTimeout = queueTimeout,
        }));

    [Fact]
    public async Task Hash_verifies_against_its_password_only()
    {
        using var hashing = Create(2, 4, TimeSpan.FromSeconds(30), workFactor: 10);

        var hash = await hashing.HashAsync("grey stapler orbit", CancellationToken.None).WaitAsync(Bound);

        Assert.NotNull(hash);
        Assert.Equal(new(true, null), await hashing.VerifyAsync(hash, "grey stapler orbit", CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(new(false, null), await hashing.VerifyAsync(hash, "another password", CancellationToken.None).WaitAsync(Bound));
        Assert.Equal(new(false, null), await hashing.VerifyAsync(null, "grey stapler orbit", CancellationToken.None).WaitAsync(Bound));
    }

    [Fact]
    public async Task Request_beyond_slots_and_queue_is_refused_at_once()
    {
        using var hashing = Create(1, 0, TimeSpan.FromSeconds(30));
        var running = hashing.HashAsync("first", CancellationToken.None);

        var refused = hashing.HashAsync("second", CancellationToken.None);

        Assert.True(refused.IsCompleted, "a request with no free slot and no queue is answered without waiting");
        Assert.Null(await refused);
        Assert.NotNull(await running.WaitAsync(Bound));
    }

    [Fact]
    public async Task Waiting_request_gives_up_at_the_queue_timeout_and_frees_its_place()
    {
        // The first job must be taken by the (lowest-priority) hashing thread within the timeout, and still be running
        // when the second one gives up: a few seconds of waiting against a hash several times longer.
        using var hashing = Create(1, 1, TimeSpan.FromSeconds(2), workFactor: 16);
        var running = hashing.HashAsync("first", CancellationToken.None);

        var waited = await hashing.HashAsync("second", CancellationToken.None).WaitAsync(Bound);

        Assert.Null(waited);
        Assert.False(running.IsCompleted, "the wait must end at the queue timeout, not when the running hash ends");
        var next = hashing.HashAsync("third", CancellationToken.None);
        Assert.False(next.IsCompleted, "the third request was refused although the second one had left the queue");
        Assert.NotNull(await running.WaitAsync(Bound));
        await next.WaitAsync(Bound);
    }

    [Fact]
    public async Task Request_cancelled_while_waiting_is_cancelled_not_refused()
    {
        using var hashing = Create(1, 1, TimeSpan.FromSeconds(30));
        var running = hashing.HashAsync("first", CancellationToken.None);
        using var gone = new CancellationTokenSource();

        var waiting = hashing.HashAsync("second", gone.Token);
        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Bound));
        Assert.NotNull(await running.WaitAsync(Bound));
    }
}
