using Microsoft.Extensions.Options;
using Registration.Grains.Accounts;
using Registration.Messaging.Outbox;

namespace Registration.Silo;

/// <summary>
/// Refuses a reminder period shorter than the shortest one Orleans accepts: the relays' keep-alive period (no relay would
/// ever come back by itself) and the account deletion saga's step timeout (no saga would resume after its silo was lost).
/// Checked at start, before the silo joins its cluster or any relay takes an epoch.
/// </summary>
internal sealed class ReminderPeriodValidator(IOptions<SiloClusterOptions> cluster) : IValidateOptions<OutboxOptions>, IValidateOptions<AccountOptions>
{
    public ValidateOptionsResult Validate(string? name, OutboxOptions options) =>
        Check("Outbox:KeepAlivePeriod", options.KeepAlivePeriod, "the relays' keep-alive reminders");

    public ValidateOptionsResult Validate(string? name, AccountOptions options) =>
        Check("Account:StepTimeout", options.StepTimeout, "the account deletion saga's reminders");

    private ValidateOptionsResult Check(string setting, TimeSpan period, string reminders)
    {
        var minimum = cluster.Value.MinimumReminderPeriod;
        return period >= minimum
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{setting} ({period}) is shorter than Orleans:MinimumReminderPeriod ({minimum}), the shortest reminder period the silo " +
                $"accepts: {reminders} could not be registered. Raise {setting} or lower Orleans:MinimumReminderPeriod.");
    }
}
