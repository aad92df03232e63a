using System.Globalization;

namespace Registration.Contracts;

/// <summary>Where a page of a user's todos (in creation order) ends: the last todo's creation time and id.</summary>
[GenerateSerializer]
[Alias("registration.todo-cursor")]
[Immutable]
public sealed record TodoCursor([property: Id(0)] DateTime CreatedAt, [property: Id(1)] Guid Id)
{
    public static TodoCursor After(Todo todo) => new(todo.CreatedAt, todo.Id);

    /// <summary>Reads a cursor written by <see cref="ToString"/>; false for anything else.</summary>
    public static bool TryParse(string text, out TodoCursor cursor)
    {
        cursor = null!;
        var parts = text.Split('_');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks
            || !Guid.TryParseExact(parts[1], "N", out var id))
        {
            return false;
        }

        cursor = new TodoCursor(new DateTime(ticks, DateTimeKind.Utc), id);
        return true;
    }

    /// <summary>Opaque to clients: the creation time in ticks and the id.</summary>
    public override string ToString() => $"{CreatedAt.Ticks.ToString(CultureInfo.InvariantCulture)}_{Id:N}";
}
