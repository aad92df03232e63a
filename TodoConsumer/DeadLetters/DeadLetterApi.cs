using System.Net.Sockets;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using RabbitMQ.Client.Exceptions;
using Registration.ServiceDefaults.Http;

namespace TodoConsumer.DeadLetters;

/// <summary>
/// The dead-letter queue for operators: GET /api/v1/admin/dead-letters lists it without taking anything
/// out; POST .../{eventId}/replay and .../replay-all publish messages back to the events exchange
/// (confirmed) and only then remove them; DELETE .../{eventId} discards one.
/// </summary>
public static class DeadLetterApi
{
    public const int DefaultListLimit = 100;

    public sealed record ReplayResult(string? EventId, int Replayed, long Remaining);

    public sealed record DiscardResult(string EventId, int Discarded, long Remaining);

    public static IEndpointRouteBuilder MapDeadLetterApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapAdminGroup().MapGroup("/dead-letters");
        group.MapGet("", ListAsync);
        group.MapPost("/replay-all", (DeadLetterQueue queue, HttpContext http, CancellationToken cancellationToken) =>
            GuardAsync(http, async () => Outcome(null, await queue.ReplayAsync(null, cancellationToken), queue.ScanLimit, all: true)));
        group.MapPost("/{eventId}/replay", (string eventId, DeadLetterQueue queue, HttpContext http, CancellationToken cancellationToken) =>
            GuardAsync(http, async () => Outcome(eventId, await queue.ReplayAsync(eventId, cancellationToken), queue.ScanLimit, all: false)));
        group.MapDelete("/{eventId}", (string eventId, DeadLetterQueue queue, HttpContext http, CancellationToken cancellationToken) =>
            GuardAsync(http, async () =>
            {
                var result = await queue.DiscardAsync(eventId, cancellationToken);
                return result.Matched == 0
                    ? NotFound(eventId, queue.ScanLimit)
                    : TypedResults.Ok(new DiscardResult(eventId, result.Settled, result.Remaining));
            }));
        return app;
    }

    private static Task<IResult> ListAsync(int? limit, DeadLetterQueue queue, HttpContext http, CancellationToken cancellationToken)
    {
        var take = limit ?? Math.Min(DefaultListLimit, queue.ScanLimit);
        if (take < 1 || take > queue.ScanLimit)
        {
            return Task.FromResult<IResult>(TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["limit"] = [$"The limit must be between 1 and {queue.ScanLimit}."],
            }));
        }

        return GuardAsync(http, async () => TypedResults.Ok(await queue.ListAsync(take, cancellationToken)));
    }

    private static IResult Outcome(string? eventId, DeadLetterQueue.ActionResult result, int scanLimit, bool all)
    {
        if (result.Matched == 0 && !all)
        {
            return NotFound(eventId!, scanLimit);
        }

        return result.Errors.Count == 0
            ? TypedResults.Ok(new ReplayResult(eventId, result.Settled, result.Remaining))
            : TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Some dead letters could not be replayed; they stay in the dead-letter queue.",
                detail: string.Join("; ", result.Errors),
                extensions: new Dictionary<string, object?> { ["replayed"] = result.Settled, ["failed"] = result.Errors.Count });
    }

    private static ProblemHttpResult NotFound(string eventId, int scanLimit) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: "No such dead letter.",
            detail: $"No message with id '{eventId}' among the first {scanLimit} messages of the dead-letter queue.");

    /// <summary>A broker that cannot be reached, or another instance's operation that does not finish, is a 503 the caller may retry.</summary>
    private static async Task<IResult> GuardAsync(HttpContext http, Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return Unavailable(http, "Another dead-letter operation is in progress; retry shortly.");
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or SocketException or IOException or TimeoutException)
        {
            return Unavailable(http, $"The broker is unavailable: {ex.Message}");
        }
    }

    private static ProblemHttpResult Unavailable(HttpContext http, string detail)
    {
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The dead-letter queue is unavailable.", detail: detail);
    }
}
