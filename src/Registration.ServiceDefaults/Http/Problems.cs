using Microsoft.AspNetCore.Http;

namespace Registration.ServiceDefaults.Http;

public static class Problems
{
    /// <summary>503 with Retry-After: the request was refused to protect the service, not because it was wrong.</summary>
    public static IResult Busy(HttpContext http, int retryAfterSeconds = 1)
    {
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "The service is busy.",
            detail: "Too many requests are being processed; nothing was written. Retry after the indicated delay.");
    }
}
