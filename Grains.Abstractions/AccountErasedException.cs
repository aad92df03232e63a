namespace Registration.Contracts;

/// <summary>The user's account was deleted and its data erased: a token of that user is refused (401) by every service.</summary>
[GenerateSerializer]
[Alias("registration.account-erased")]
public sealed class AccountErasedException : Exception
{
    public AccountErasedException()
    {
    }

    public AccountErasedException(string message)
        : base(message)
    {
    }

    public AccountErasedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
