namespace TodoService.Features;

/// <summary>A todo as the API returns it.</summary>
public sealed record Todo(Guid Id, string Title, bool Completed, DateTime CreatedAt, DateTime UpdatedAt)
{
    public const int MaxTitleLength = 200;

    /// <summary>The columns, named for Dapper, of every query that returns todos.</summary>
    public const string Columns = "id, title, completed, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public static IResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Todo not found.");

    /// <summary>Trimmed title, or the reason it is not acceptable.</summary>
    public static string? ValidateTitle(string? title, out string trimmed)
    {
        trimmed = title?.Trim() ?? "";
        return trimmed.Length switch
        {
            0 => "Title is required.",
            > MaxTitleLength => $"Title must be at most {MaxTitleLength} characters.",
            _ => null,
        };
    }
}
