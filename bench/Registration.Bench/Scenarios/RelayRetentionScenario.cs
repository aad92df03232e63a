using Registration.Bench.Infrastructure;
using Registration.Bench.Reporting;

namespace Registration.Bench.Scenarios;

/// <summary>
/// Diagnostic: the relay drain of scenario 1 over an outbox that already holds many old SENT rows, once
/// with them past Outbox:Retention (the relay grains delete them in batches between their relay steps, with the
/// shipped retention settings) and once with a retention that keeps them (nothing deleted), in the same run, order
/// rotating. Same table size in both, so the difference is the deleting.
/// </summary>
internal sealed class RelayRetentionScenario : IScenario
{
    public const int OldRows = 400_000;

    private static readonly Variant Kept = Variant.Auth("kept", "old rows inside the retention (nothing to delete)",
        ("Outbox__Retention", "30.00:00:00"), ("Consumer__DedupWindow", "40.00:00:00"));

    private static readonly Variant Deleting = Variant.Auth("deleting", "old rows past the retention (deleted meanwhile)");

    private readonly RelayDrainScenario _drain = new();

    public string Key => "relay-retention";

    public string Title => "D4. Relay drain while retention deletes old SENT rows";

    public string Description =>
        $"{_drain.Title} in a sandbox whose outbox already holds {OldRows:N0} SENT rows sent 8 days ago (16 partitions), measured twice per run: " +
        "with `Outbox:Retention` 7 days (as shipped: each relay grain deletes a batch of 1,000 of its partition's expired rows on a tick that found " +
        "nothing to relay, every 6 s while batches come back full) and with `Outbox:Retention` 30 days (nothing expired, nothing deleted).";

    public IReadOnlyList<FigureSpec> Figures { get; } =
    [
        new("kept.relay.rate", "Relay drain rate, nothing to delete", "events/s", "kept.relay.baseline", "raw confirmed publish", "(diagnostic)", null),
        new("deleting.relay.rate", "Relay drain rate, retention deleting meanwhile", "events/s", "deleting.relay.baseline", "raw confirmed publish", "(diagnostic)", null),
        new("deleting.relay.rate", "Relay drain rate, retention deleting vs nothing to delete", "events/s", "kept.relay.rate", "nothing to delete, same run", "(diagnostic)", null, 2),
        new("deleting.retention.deleted", "Old SENT rows deleted by the end of the drain", "rows", null, "", "(diagnostic)", null),
        new("deleting.retention.left", "Old SENT rows still to delete at the end of the drain", "rows", null, "", "(diagnostic)", null),
    ];

    public async Task<Measurements> RunOnceAsync(BenchContext context, Sandbox sandbox, int run, CancellationToken cancellationToken)
    {
        var m = new Measurements();
        Variant[] variants = run % 2 == 1 ? [Deleting, Kept] : [Kept, Deleting];
        foreach (var variant in variants)
        {
            await QuietGate.WaitAsync(context.Options.QuietWait, cancellationToken);
            Progress.Say($"  variant: {variant.Name}");
            await using var own = await Sandbox.CreateAsync(context.Settings, context.Admin, cancellationToken);
            await own.MigrateAsync(cancellationToken);
            Progress.Say($"  seeding {OldRows:N0} SENT rows sent 8 days ago");
            await SeedOldRowsAsync(own, cancellationToken);
            var measured = await _drain.RunOnceAsync(new BenchContext(context.Settings, context.Admin, context.Options.With(variant)), own, run, cancellationToken);
            var left = await own.AuthScalarAsync("SELECT count(*) FROM outbox WHERE sent_at < now() - interval '1 day'");
            foreach (var (name, value) in measured.Values)
            {
                m[$"{variant.Key}.{name}"] = value;
            }

            m[$"{variant.Key}.retention.deleted"] = OldRows - left;
            m[$"{variant.Key}.retention.left"] = left;
        }

        return m;
    }

    private static async Task SeedOldRowsAsync(Sandbox sandbox, CancellationToken cancellationToken)
    {
        await using var command = sandbox.AuthDb.CreateCommand(
            """
            INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload, status, created_at, sent_at)
            SELECT gen_random_uuid(), 'USER_REGISTERED', gen_random_uuid(), (g % 16)::smallint, '{}'::json, 'SENT',
                   now() - interval '8 days 1 minute', now() - interval '8 days' + g * interval '1 ms'
            FROM generate_series(1, @rows) AS g
            """);
        command.Parameters.AddWithValue("rows", OldRows);
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(cancellationToken);

        // Rows sent 8 days ago were vacuumed long since: without this, the autovacuum that 400,000 fresh inserts bring
        // on would run during the measured drain, in both variants, and hide what the deleting itself costs.
        await using var vacuum = sandbox.AuthDb.CreateCommand("VACUUM (ANALYZE) outbox");
        vacuum.CommandTimeout = 300;
        await vacuum.ExecuteNonQueryAsync(cancellationToken);
    }
}
