namespace Registration.Contracts;

/// <summary>A todo as its user's grain holds it and the API returns it.</summary>
[GenerateSerializer]
[Alias("registration.todo")]
[Immutable]
public sealed record Todo(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] bool Completed,
    [property: Id(3)] DateTime CreatedAt,
    [property: Id(4)] DateTime UpdatedAt)
{
    public const int MaxTitleLength = 200;

    public const string WelcomeTitle = "Welcome to the App";
}
