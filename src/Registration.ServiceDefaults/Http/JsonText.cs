using System.Text.Json;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// Finds text in a JSON document that PostgreSQL cannot store or that is not Unicode: a NUL (U+0000), an
/// unpaired surrogate escape such as "\ud800", or bytes that are not UTF-8. JsonDocument.Parse accepts all
/// three; a NUL then fails the insert (SQLSTATE 22021), and the others make GetString throw
/// InvalidOperationException. Every string value and every property name is checked, known member or not.
/// </summary>
internal static class JsonText
{
    private const string ContainsNul = "contains the NUL character (U+0000), which cannot be stored";
    private const string NotUnicode = "is not valid Unicode text (an unpaired surrogate or invalid UTF-8)";

    public readonly record struct Flaw(string Field, string Message);

    /// <summary>The first flawed string, named by its path ("email", "tags[2]", "a.b"), or null when all text is sound.</summary>
    public static Flaw? FindFlaw(JsonElement element, string path = "")
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return FlawOf(element) is { } valueFlaw ? new Flaw(FieldOf(path), $"The value {valueFlaw}.") : null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindFlaw(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    // A flawed name is reported on its parent: echoing it back would repeat the flaw.
                    if (FlawOf(property) is { } nameFlaw)
                    {
                        return new Flaw(FieldOf(path), $"A property name {nameFlaw}.");
                    }

                    if (FindFlaw(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static string FieldOf(string path) => path.Length == 0 ? "body" : path;

    private static string? FlawOf(JsonElement value)
    {
        try
        {
            return FlawOf(value.GetString()!);
        }
        catch (InvalidOperationException)
        {
            return NotUnicode;
        }
    }

    private static string? FlawOf(JsonProperty property)
    {
        try
        {
            return FlawOf(property.Name);
        }
        catch (InvalidOperationException)
        {
            return NotUnicode;
        }
    }

    private static string? FlawOf(string text) => text.Contains('\0', StringComparison.Ordinal) ? ContainsNul : null;
}
