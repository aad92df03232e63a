using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Registration.Contracts;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Data;
using StackExchange.Redis;

namespace Registration.ServiceDefaults.Http;

/// <summary>
/// Turns exceptions into problem+json: a malformed request stays a 4xx, the token of a deleted account a 401, an unreachable database or cluster is a
/// 503 the client may retry, and only a real bug is a 500.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a reset, a timeout on its side): nobody is left to answer, and it is no fault of ours.
            LogClientGone(http.Request.Method, http.Request.Path, exception.GetType().Name);
            http.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return ValueTask.FromResult(true);
        }

        var (status, title) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "The request could not be read."),
            IOException => (StatusCodes.Status400BadRequest, "The request could not be read."), // the request's transport, e.g. a body cut short
            AccountErasedException => (StatusCodes.Status401Unauthorized, "This account was deleted."),
            _ when DatabaseFailures.IsTransient(exception) => (StatusCodes.Status503ServiceUnavailable, "The database is unavailable; nothing was written. Retry later."),
            _ when ClusterFailures.IsTransient(exception) => (StatusCodes.Status503ServiceUnavailable, "The cluster is unavailable; nothing was written. Retry later."),
            RedisConnectionException or RedisTimeoutException => (StatusCodes.Status503ServiceUnavailable, "Redis is unavailable; nothing was written. Retry later."),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred."),
        };
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            http.Response.Headers.RetryAfter = "5";
            LogUnavailable(http.Request.Method, http.Request.Path, exception.Message);
        }
        else if (status >= StatusCodes.Status500InternalServerError)
        {
            LogUnexpected(http.Request.Method, http.Request.Path, exception);
        }

        http.Response.StatusCode = status;
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private partial void LogUnexpected(string method, string path, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client closed the connection during {Method} {Path} ({Exception})")]
    private partial void LogClientGone(string method, string path, string exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unavailable on {Method} {Path}: {Reason}")]
    private partial void LogUnavailable(string method, string path, string reason);
}
