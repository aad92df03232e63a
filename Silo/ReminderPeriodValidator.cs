using Microsoft.Extensions.Options;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Refuses a relay keep-alive period shorter than the shortest reminder period Orleans accepts: every keep-alive
/// reminder would be refused, and no relay would ever come back by itself. Checked at start, before the silo joins its
/// cluster or any relay takes an epoch.
/// </summary>
internal sealed class ReminderPeriodValidator(IOptions<SiloClusterOptions> cluster) : IValidateOptions<OutboxOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options)
    {
        var minimum = cluster.Value.MinimumReminderPeriod;
        return options.KeepAlivePeriod >= minimum
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Outbox:KeepAlivePeriod ({options.KeepAlivePeriod}) is shorter than Orleans:MinimumReminderPeriod ({minimum}), the shortest " +
                "reminder period the silo accepts: the relays' keep-alive reminders could not be registered. Raise Outbox:KeepAlivePeriod or " +
                "lower Orleans:MinimumReminderPeriod.");
    }
}
