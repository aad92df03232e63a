using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.Messaging.Outbox;

namespace Registration.Grains.Outbox;

/// <summary>
/// One outbox the silo relays (a keyed service; the key is its name, one of <see cref="Outboxes"/>): the relay step,
/// the retention and the epochs, bound to the outbox's database. Every outbox has the same tables and is relayed the
/// same way; only the database differs.
/// </summary>
public sealed class RelayedOutbox(string name, NpgsqlDataSource db, IOptions<OutboxOptions> options, ILoggerFactory loggers)
{
    public string Name => name;

    public OutboxRelay Relay { get; } = new(db, options, loggers.CreateLogger<OutboxRelay>());

    public OutboxRetention Retention { get; } = new(db, options);

    public OutboxEpochs Epochs { get; } = new(db);
}
