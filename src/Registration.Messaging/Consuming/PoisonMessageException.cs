namespace Registration.Messaging.Consuming;

/// <summary>The message can never be applied (bad JSON, missing fields, unknown type); it goes to the dead-letter queue at once.</summary>
public sealed class PoisonMessageException(string reason) : Exception(reason);
