using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// Reads a JSON request body with a size limit and turns every way it can be wrong into a precise 4xx
/// problem: 415 for another content type, 413 past the limit, 400 for a body that cannot be read (a malformed chunk, a
/// body cut short, a reset), for empty, malformed or mistyped JSON and for text that cannot be stored (NUL, unpaired
/// surrogates, invalid UTF-8; see <see cref="JsonText"/>).
/// </summary>
public static class JsonBody
{
    public const int DefaultMaxBytes = 16 * 1024;

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<JsonBodyResult<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken, int maxBytes = DefaultMaxBytes)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            return Fail<T>(TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported media type.",
                detail: "Send the body as application/json."));
        }

        if (request.ContentLength > maxBytes)
        {
            return TooLarge<T>(maxBytes);
        }

        byte[] bytes;
        try
        {
            bytes = await ReadUpToAsync(request.Body, maxBytes + 1, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel could not read the body: a malformed or oversized chunk size, fewer bytes than Content-Length.
            return Fail<T>(TypedResults.Problem(statusCode: ex.StatusCode, title: "The request body could not be read.", detail: ex.Message));
        }
        catch (IOException ex)
        {
            // The client sent something Kestrel gave up on, or went away in the middle of the body.
            return Fail<T>(TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body could not be read.", detail: ex.Message));
        }

        if (bytes.Length > maxBytes)
        {
            return TooLarge<T>(maxBytes);
        }

        if (bytes.Length == 0)
        {
            return Invalid<T>("body", "The request body is empty; a JSON object is required.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            return Invalid<T>("body", "The request body is not valid JSON.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid<T>("body", "The request body must be a JSON object.");
            }

            if (JsonText.FindFlaw(document.RootElement) is { } flaw)
            {
                return Invalid<T>(flaw.Field, flaw.Message);
            }

            try
            {
                return new JsonBodyResult<T>(document.RootElement.Deserialize<T>(Options), null);
            }
            catch (JsonException ex)
            {
                return Invalid<T>(FieldOf(ex.Path), "The value has the wrong type.");
            }
        }
    }

    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    private static JsonBodyResult<T> Invalid<T>(string field, string message)
        where T : class =>
        Fail<T>(TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }));

    private static JsonBodyResult<T> TooLarge<T>(int maxBytes)
        where T : class =>
        Fail<T>(TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Request body too large.",
            detail: $"The body may be at most {maxBytes} bytes."));

    private static JsonBodyResult<T> Fail<T>(IResult problem)
        where T : class => new(null, problem);

    private static async Task<byte[]> ReadUpToAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[limit];
        var read = 0;
        while (read < limit)
        {
            var n = await body.ReadAsync(buffer.AsMemory(read, limit - read), cancellationToken);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return buffer[..read];
    }
}

/// <summary>Either the body (possibly with missing members, to be validated) or the problem to answer with.</summary>
public readonly record struct JsonBodyResult<T>(T? Value, IResult? Problem)
    where T : class;
