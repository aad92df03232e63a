namespace Registration.Grains.Retention;

/// <summary>
/// One pass of a cleaner grain: deletes batches while they come back full, at most <see cref="MaxBatchesPerPass"/> of
/// them, so a backlog of expired rows is worked off over several passes without one pass holding the grain long. A
/// failure (the database unreachable or not migrated yet) ends the pass; the next tick tries again.
/// </summary>
public static class RetentionPass
{
    public const int MaxBatchesPerPass = 10;

    /// <param name="deleteBatch">Deletes at most <paramref name="batchSize"/> rows; returns how many it deleted.</param>
    public static async Task RunAsync(
        Func<CancellationToken, Task<int>> deleteBatch, int batchSize, Action<int> deleted, Action<string> failed, CancellationToken cancellationToken)
    {
        try
        {
            for (var batch = 0; batch < MaxBatchesPerPass && !cancellationToken.IsCancellationRequested; batch++)
            {
                var count = await deleteBatch(cancellationToken);
                deleted(count);
                if (count < batchSize)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failed(ex.Message);
        }
    }
}
