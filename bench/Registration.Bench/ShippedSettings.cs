using System.Globalization;
using System.Text.Json;

namespace Registration.Bench;

/// <summary>
/// The settings the services ship with (their appsettings.json), read so that every baseline runs with the
/// same batch size, concurrency and hashing cost as the service it is compared with.
/// </summary>
internal sealed record ShippedSettings(int OutboxBatchSize, int ConsumerConcurrency, int ConsumerBatchSize, int HashWorkFactor, int HashQueueLimit, TimeSpan HashQueueTimeout)
{
    /// <summary>The Notifications service's consumer: batches in flight and events per batch.</summary>
    public int NotificationsConcurrency { get; init; }

    public int NotificationsBatchSize { get; init; }

    public static ShippedSettings Load(string root)
    {
        using var auth = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "AuthApi", "appsettings.json")));
        using var silo = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "Silo", "appsettings.json")));
        using var todo = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "TodoConsumer", "appsettings.json")));
        var outbox = silo.RootElement.GetProperty("Outbox");
        var hashing = auth.RootElement.GetProperty("PasswordHashing");
        var consumer = todo.RootElement.GetProperty("Consumer");
        using var notify = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "Notifications", "appsettings.json")));
        var notifyConsumer = notify.RootElement.GetProperty("Consumer");
        return new ShippedSettings(
            outbox.GetProperty("BatchSize").GetInt32(),
            consumer.GetProperty("Concurrency").GetInt32(),
            consumer.GetProperty("BatchSize").GetInt32(),
            hashing.GetProperty("WorkFactor").GetInt32(),
            hashing.GetProperty("QueueLimit").GetInt32(),
            TimeSpan.Parse(hashing.GetProperty("QueueTimeout").GetString()!, CultureInfo.InvariantCulture))
        {
            NotificationsConcurrency = notifyConsumer.GetProperty("Concurrency").GetInt32(),
            NotificationsBatchSize = notifyConsumer.GetProperty("BatchSize").GetInt32(),
        };
    }
}
