using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuthApi.Outbox;
using AuthApi.Security;
using Dapper;
using Npgsql;
using Registration.Contracts;
using Registration.Messaging.Outbox;
using Registration.ServiceDefaults.Http;
using Registration.ServiceDefaults.Telemetry;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/register: validates, hashes the password with bounded concurrency, then stores the
/// user and its USER_REGISTERED outbox event in one transaction.
/// </summary>
public static partial class Register
{
    public const int MaxEmailLength = 254;
    public const int MinPasswordLength = PasswordRules.MinLength;
    public const int MaxPasswordLength = PasswordRules.MaxLength;

    public sealed record Request(string? Email, string? Password);

    public sealed record Response(Guid UserId, string Email, Guid EventId, string CorrelationId);

    public static async Task<IResult> HandleAsync(
        HttpContext http, NpgsqlDataSource db, OutboxWriter outbox, RelayWake relay, PasswordHashing hashing, TimeProvider clock, ILogger<Request> logger, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync<Request>(http.Request, cancellationToken);
        if (body.Problem is not null)
        {
            return body.Problem;
        }

        var errors = Validate(body.Value!, out var email);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var hash = await hashing.HashAsync(body.Value!.Password!, cancellationToken);
        if (hash is null)
        {
            return Problems.Busy(http);
        }

        var correlationId = CorrelationId.Get(http);
        var userId = Guid.CreateVersion7();
        var registered = UserRegistered.Create(Guid.CreateVersion7(), clock.GetUtcNow(), correlationId, userId, email);
        using var activity = Tracing.Source.StartActivity("register user");
        activity?.SetTag("user.id", userId.ToString());
        activity?.SetTag("messaging.message.id", registered.EventId.ToString());
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["UserId"] = userId, ["EventId"] = registered.EventId });

        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, email, password_hash, created_at) VALUES (@userId, @email, @hash, @createdAt)
            ON CONFLICT (email) DO NOTHING
            """,
            new { userId, email, hash, createdAt = registered.OccurredAt },
            transaction,
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Email already registered.",
                detail: "An account with this email address already exists.");
        }

        var partition = await outbox.AddAsync(connection, transaction, ToOutboxMessage(registered), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        relay.Committed(partition);

        LogRegistered(logger, userId, registered.EventId);
        return TypedResults.Created($"/api/v1/auth/users/{userId}", new Response(userId, email, registered.EventId, correlationId));
    }

    public static Dictionary<string, string[]> Validate(Request request, out string email)
    {
        var errors = new Dictionary<string, string[]>();
        email = request.Email?.Trim().ToLowerInvariant() ?? "";
        if (request.Email is null)
        {
            errors["email"] = ["Email is required."];
        }
        else if (email.Length > MaxEmailLength)
        {
            errors["email"] = [$"Email must be at most {MaxEmailLength} characters."];
        }
        else if (!EmailPattern().IsMatch(email))
        {
            errors["email"] = ["Email is not a valid address."];
        }

        if (PasswordRules.Validate(request.Password, email) is { } passwordError)
        {
            errors["password"] = [passwordError];
        }

        return errors;
    }

    private static OutboxMessage ToOutboxMessage(UserRegistered registered)
    {
        var headers = new Dictionary<string, string> { [MessageHeaders.CorrelationId] = registered.CorrelationId };
        if (Tracing.TraceParentOf(Activity.Current, null) is { } traceParent)
        {
            headers[MessageHeaders.TraceParent] = traceParent;
        }

        return new OutboxMessage(registered.EventId, registered.EventType, registered.Data.UserId, JsonSerializer.Serialize(registered, EventJson.Options), headers);
    }

    // The WHATWG (HTML) definition of a valid email address, applied after lower-casing.
    [GeneratedRegex(@"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")]
    private static partial Regex EmailPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered user {UserId}, outbox event {EventId}")]
    private static partial void LogRegistered(ILogger logger, Guid userId, Guid eventId);
}
