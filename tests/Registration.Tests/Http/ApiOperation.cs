using System.Text.Json;

namespace Registration.Tests.Http;

/// <summary>One operation of an OpenAPI document: its path template, query parameters and JSON body members.</summary>
/// <param name="Members">Body member name to its JSON type ("string", "boolean", ...); empty without a documented body.</param>
public sealed record ApiOperation(string Method, string Path, bool Secured, IReadOnlyList<string> Query, IReadOnlyDictionary<string, string> Members)
{
    private static readonly HashSet<string> Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    public static List<ApiOperation> AllIn(JsonElement document)
    {
        var operations = new List<ApiOperation>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                var parameters = operation.Value.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
                operations.Add(new ApiOperation(
                    operation.Name.ToUpperInvariant(),
                    path.Name,
                    operation.Value.TryGetProperty("security", out var security) && security.GetArrayLength() > 0,
                    [.. parameters.Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!)],
                    MembersOf(document, operation.Value)));
            }
        }

        return operations;
    }

    /// <summary>"POST /api/v1/todos": the method and the path without a trailing slash.</summary>
    public override string ToString() => $"{Method} {Path.TrimEnd('/')}";

    private static Dictionary<string, string> MembersOf(JsonElement document, JsonElement operation)
    {
        if (!operation.TryGetProperty("requestBody", out var body)
            || !body.GetProperty("content").TryGetProperty("application/json", out var json)
            || !Resolve(document, json.GetProperty("schema")).TryGetProperty("properties", out var properties))
        {
            return [];
        }

        return properties.EnumerateObject().ToDictionary(p => p.Name, p => TypeOf(Resolve(document, p.Value)));
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        var target = document;
        foreach (var segment in reference.GetString()!.TrimStart('#', '/').Split('/'))
        {
            target = target.GetProperty(segment);
        }

        return target;
    }

    /// <summary>The type of a member, "string" when it is nullable (["null", "string"]) or not stated.</summary>
    private static string TypeOf(JsonElement schema) => schema.TryGetProperty("type", out var type) switch
    {
        false => "string",
        true when type.ValueKind == JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t != "null") ?? "string",
        true => type.GetString() ?? "string",
    };
}
