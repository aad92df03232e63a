namespace Registration.Contracts;

/// <summary>
/// A grain could not reach its database (or its silo is stopping): nothing was changed and the call can be tried
/// again later. A consumer requeues the message; it never dead-letters it for this.
/// </summary>
[GenerateSerializer]
[Alias("registration.store-unavailable")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException()
    {
    }

    public StoreUnavailableException(string message)
        : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
