using System.Text.Json;

namespace Registration.Contracts;

/// <summary>The one serializer setting for events, so writer and consumer can never disagree.</summary>
public static class EventJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
