using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Registration.ServiceDefaults.Http;
using Registration.Tests.Infrastructure;

namespace Registration.Tests.Http;

/// <summary>A request to send: the body's bytes as given, the content type unchecked.</summary>
public sealed record HostileRequest(string Method, string Uri, string Description, string? ContentType, byte[] Body);

/// <summary>
/// Hostile requests for an operation: every hostile body with a valid path, then every hostile path and
/// query value with a valid body. Members not hostile in a body are valid, so a request gets as far into the
/// handler as it can.
/// </summary>
public static partial class HostileRequests
{
    private const string Json = "application/json";
    private const int Limit = JsonBody.DefaultMaxBytes;

    /// <summary>Replacements for one member's value, as raw JSON bytes.</summary>
    private static readonly (string Description, byte[] Value)[] MemberValues =
    [
        ("NUL", Utf8("\"\\u0000\"")),
        ("NUL inside text", Utf8("\"a\\u0000b\"")),
        ("lone high surrogate", Utf8("\"\\ud800\"")),
        ("lone low surrogate", Utf8("\"x\\udc00\"")),
        ("reversed surrogate pair", Utf8("\"\\udc00\\ud800\"")),
        ("invalid UTF-8 (C3 28)", [(byte)'"', 0xC3, 0x28, (byte)'"']),
        ("invalid UTF-8 (FF)", [(byte)'"', 0xFF, (byte)'"']),
        ("UTF-8-encoded surrogate (ED A0 80)", [(byte)'"', 0xED, 0xA0, 0x80, (byte)'"']),
        ("overlong NUL (C0 80)", [(byte)'"', 0xC0, 0x80, (byte)'"']),
        ("raw NUL byte", [(byte)'"', 0x00, (byte)'"']),
        ("raw control character", [(byte)'"', 0x01, (byte)'"']),
        ("a string", Utf8("\"text\"")),
        ("an empty string", Utf8("\"\"")),
        ("a blank string", Utf8("\"   \"")),
        ("a number", Utf8("42")),
        ("a number out of range", Utf8("1e400")),
        ("a negative fraction", Utf8("-0.5")),
        ("an array", Utf8("[\"a\"]")),
        ("an object", Utf8("{\"a\": \"b\"}")),
        ("null", Utf8("null")),
        ("true", Utf8("true")),
        ("false", Utf8("false")),
        ("8,000 nested arrays", Utf8(new string('[', 8000) + new string(']', 8000))),
        ("500 nested objects", Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 500)) + "1" + new string('}', 500))),
    ];

    private static readonly string[] PathValues =
    [
        "%00", "%ED%A0%80", "%FF", "%2e%2e%2f%2e%2e%2f", "00000000-0000-0000-0000-000000000000%00", "-1", new string('a', 4_000), new string('a', 10_000),
    ];

    private static readonly string[] QueryValues = ["%00", "%ED%A0%80", "abc", "", "-1", "0", "1.5", "99999999999999999999", new string('9', 10_000)];

    public static IEnumerable<HostileRequest> For(ApiOperation operation)
    {
        var members = operation.Members.Count > 0 ? operation.Members : new Dictionary<string, string> { ["value"] = "string" };
        var path = Fill(operation.Path, Guid.NewGuid().ToString());
        foreach (var (description, contentType, body) in Bodies(members))
        {
            yield return new HostileRequest(operation.Method, path, description, contentType, body);
        }

        var valid = Object(members);
        foreach (var value in operation.Path.Contains('{', StringComparison.Ordinal) ? PathValues : [])
        {
            yield return new HostileRequest(operation.Method, Fill(operation.Path, value), $"path value '{Shorten(value)}'", Json, valid);
        }

        foreach (var name in operation.Query)
        {
            foreach (var value in QueryValues)
            {
                yield return new HostileRequest(operation.Method, $"{path}?{name}={value}", $"query {name}='{Shorten(value)}'", Json, valid);
            }

            yield return new HostileRequest(operation.Method, $"{path}?{name}=1&{name}=2", $"query {name} given twice", Json, valid);
        }
    }

    public static string Shorten(string text, int max = 60) => text.Length <= max ? text : $"{text[..max]}… ({text.Length} chars)";

    private static IEnumerable<(string Description, string? ContentType, byte[] Body)> Bodies(IReadOnlyDictionary<string, string> members)
    {
        var valid = Object(members);
        yield return ("an empty body", Json, []);
        yield return ("a blank body", Json, Utf8("   "));
        yield return ("JSON null", Json, Utf8("null"));
        yield return ("a JSON array", Json, Utf8("[]"));
        yield return ("a JSON string", Json, Utf8("\"text\""));
        yield return ("a JSON number", Json, Utf8("1"));
        yield return ("JSON true", Json, Utf8("true"));
        yield return ("truncated JSON", Json, Utf8("{\"a\":"));
        yield return ("two objects", Json, [.. valid, .. valid]);
        yield return ("a comment", Json, [.. Utf8("/* c */"), .. valid]);
        yield return ("a UTF-8 byte order mark", Json, [0xEF, 0xBB, 0xBF, .. valid]);
        yield return ("UTF-16 with charset=utf-16", "application/json; charset=utf-16", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(valid)));
        yield return ("10,000 nested arrays", Json, Utf8(new string('[', 10_000) + new string(']', 10_000)));
        yield return ("duplicate keys", Json, Duplicated(members));
        yield return ("NUL in a property name", Json, WithRawName(members, Utf8("\\u0000")));
        yield return ("a lone surrogate in a property name", Json, WithRawName(members, Utf8("\\ud800")));
        yield return ("invalid UTF-8 in a property name", Json, WithRawName(members, [0xFF]));
        yield return ("valid JSON as text/plain", "text/plain", valid);
        yield return ("valid JSON without a content type", null, valid);
        yield return ("a form post", "application/x-www-form-urlencoded", Utf8("a=b"));
        yield return ("a content type that does not parse", "application/json; charset=\"", valid);
        yield return ("an unknown charset", "application/json; charset=nonsense", valid);
        foreach (var member in members.Keys)
        {
            foreach (var (description, value) in MemberValues)
            {
                yield return ($"{member} = {description}", Json, Object(members, member, value));
            }

            foreach (var (description, unit, extra) in new[] { ("ASCII", "x", 0), ("ASCII", "x", 1), ("two-byte", "é", 0), ("two-byte", "é", 2) })
            {
                var padding = (Limit - Object(members, member, Utf8("\"\"")).Length + extra) / Encoding.UTF8.GetByteCount(unit);
                var body = Object(members, member, Utf8($"\"{string.Concat(Enumerable.Repeat(unit, padding))}\""));
                yield return ($"{member} = {description} text making the body {body.Length} bytes (limit {Limit})", Json, body);
            }
        }
    }

    /// <summary>A JSON object of every member with a valid value, <paramref name="member"/> (new or not) set to the raw JSON <paramref name="value"/>.</summary>
    private static byte[] Object(IReadOnlyDictionary<string, string> members, string? member = null, byte[]? value = null) =>
        Compose(members, member, member is null ? null : [.. Utf8(Name(member)), .. value!]);

    /// <summary>Every member valid, plus a member whose name is the raw bytes between the quotes (escapes and all).</summary>
    private static byte[] WithRawName(IReadOnlyDictionary<string, string> members, byte[] rawName) =>
        Compose(members, null, [(byte)'"', .. rawName, .. Utf8("\":1")]);

    private static byte[] Compose(IReadOnlyDictionary<string, string> members, string? replaced, byte[]? pair)
    {
        var pairs = members.Where(m => m.Key != replaced).Select(m => Utf8($"{Name(m.Key)}{ValidValue(m.Value)}")).ToList();
        if (pair is not null)
        {
            pairs.Add(pair);
        }

        return [(byte)'{', .. pairs.SelectMany((p, i) => i == 0 ? p : [(byte)',', .. p]), (byte)'}'];
    }

    private static byte[] Duplicated(IReadOnlyDictionary<string, string> members) =>
        Utf8("{" + string.Join(",", members.SelectMany(m => new[] { $"{Name(m.Key)}{ValidValue(m.Value)}", $"{Name(m.Key)}{ValidValue(m.Value)}" })) + "}");

    private static string Name(string name) => $"{JsonSerializer.Serialize(name)}:";

    /// <summary>A fresh email address is a valid email, password and title alike; other types get a plain valid value.</summary>
    private static string ValidValue(string type) => type switch
    {
        "boolean" => "true",
        "integer" or "number" => "1",
        _ => JsonSerializer.Serialize(ApiClient.NewEmail()),
    };

    private static string Fill(string template, string value) => Parameter().Replace(template, value);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
