using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Orleans.Runtime;

namespace Registration.ServiceDefaults.Http;

/// <summary>The x-correlation-id of a request: the caller's when well-formed, otherwise a new one.</summary>
public static partial class CorrelationId
{
    public const string HeaderName = "x-correlation-id";
    private static readonly object ItemKey = new();

    public static bool IsWellFormed(string? value) => value is not null && WellFormed().IsMatch(value);

    public static string New() => Guid.NewGuid().ToString();

    public static string Get(HttpContext http) =>
        Find(http) ?? throw new InvalidOperationException("CorrelationIdMiddleware is not in the pipeline.");

    public static string? Find(HttpContext http) => http.Items.TryGetValue(ItemKey, out var value) ? value as string : null;

    internal static void Set(HttpContext http, string value) => http.Items[ItemKey] = value;

    /// <summary>Inside a grain: the correlation id of the request that made the call, if it came from one.</summary>
    public static string? OfGrainCall() => RequestContext.Get(HeaderName) as string;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex WellFormed();
}
