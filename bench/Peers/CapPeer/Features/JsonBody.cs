using System.Text.Json;

namespace CapPeer.Features;

/// <summary>Reads a JSON request body; a body that is not JSON of the expected shape is a 400 problem.</summary>
public static class JsonBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
            return value is null ? (null, Malformed("The body is empty or null.")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, Malformed(ex.Message));
        }
    }

    private static IResult Malformed(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed JSON body.", detail: detail);
}
