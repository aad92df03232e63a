using System.Globalization;
using System.Text.Json;

namespace Registration.Bench;

/// <summary>
/// The settings the services ship with (their appsettings.json), read so that every baseline runs with the
/// same batch size, concurrency and hashing cost as the service it is compared with.
/// </summary>
internal sealed record ShippedSettings(int OutboxBatchSize, int ConsumerConcurrency, int ConsumerBatchSize, int HashWorkFactor, int HashQueueLimit, TimeSpan HashQueueTimeout)
{
    public static ShippedSettings Load(string root)
    {
        using var auth = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "AuthApi", "appsettings.json")));
        using var silo = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "Silo", "appsettings.json")));
        using var todo = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "TodoConsumer", "appsettings.json")));
        var outbox = silo.RootElement.GetProperty("Outbox");
        var hashing = auth.RootElement.GetProperty("PasswordHashing");
        var consumer = todo.RootElement.GetProperty("Consumer");
        return new ShippedSettings(
            outbox.GetProperty("BatchSize").GetInt32(),
            consumer.GetProperty("Concurrency").GetInt32(),
            consumer.GetProperty("BatchSize").GetInt32(),
            hashing.GetProperty("WorkFactor").GetInt32(),
            hashing.GetProperty("QueueLimit").GetInt32(),
            TimeSpan.Parse(hashing.GetProperty("QueueTimeout").GetString()!, CultureInfo.InvariantCulture));
    }
}
