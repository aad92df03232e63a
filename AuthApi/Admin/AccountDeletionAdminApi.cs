using System.Text.Json;
using AuthApi.Deletion;
using Dapper;
using Npgsql;
using Registration.Contracts;
using Registration.Grains;
using Registration.ServiceDefaults.Cluster;
using Registration.ServiceDefaults.Http;

namespace AuthApi.Admin;

/// <summary>
/// GET /api/v1/admin/account-deletions: the deletions under way (Stuck first, then the longest unchanged) and how many
/// are in each state; POST /api/v1/admin/account-deletions/{userId}/retry: an operator's retry of a Stuck one.
/// </summary>
public static class AccountDeletionAdminApi
{
    public const int Limit = 100;

    public sealed record DeletionsView(IReadOnlyDictionary<string, long> Counts, IReadOnlyList<DeletionView> Open);

    private sealed record Row(Guid UserId, string State, DateTime RequestedAt, DateTime EraseAfter, DateTime UpdatedAt, string Steps);

    public static IEndpointRouteBuilder MapAccountDeletionAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapAdminGroup();
        admin.MapGet("/account-deletions", ListAsync)
            .WithTags("Admin")
            .WithName("ListAccountDeletions")
            .WithSummary("The account deletions under way (Stuck first) and the count of deletions in each state.")
            .Produces<DeletionsView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        admin.MapPost("/account-deletions/{userId:guid}/retry", RetryAsync)
            .WithTags("Admin")
            .WithName("RetryAccountDeletion")
            .WithSummary("Sends a Stuck deletion's unanswered erasure requests again and restarts its deadline.")
            .Produces<DeletionView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> ListAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var counts = (await connection.QueryAsync<(string State, long Count)>(new CommandDefinition(
            "SELECT state, count(*) FROM account_deletions GROUP BY state", cancellationToken: cancellationToken))).ToDictionary(c => c.State, c => c.Count);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT user_id AS UserId, state, requested_at AS RequestedAt, erase_after AS EraseAfter, updated_at AS UpdatedAt, steps::text AS Steps
            FROM account_deletions
            WHERE state IN ('Scheduled', 'Erasing', 'Stuck')
            ORDER BY state = 'Stuck' DESC, updated_at
            LIMIT @Limit
            """,
            new { Limit },
            cancellationToken: cancellationToken));
        return TypedResults.Ok(new DeletionsView(counts, [.. rows.Select(r => new DeletionView(
            r.UserId, r.State, Utc(r.RequestedAt), Utc(r.EraseAfter), Utc(r.UpdatedAt),
            JsonSerializer.Deserialize<List<DeletionView.Step>>(r.Steps, EventJson.Options)!))]));
    }

    private static async Task<IResult> RetryAsync(Guid userId, ClusterConnection cluster)
    {
        var grain = cluster.RequireGrains().GetGrain<IAccountDeletionGrain>(userId);
        if (await grain.RetryAsync() is { } retried)
        {
            return TypedResults.Ok(DeletionView.From(retried));
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict,
            title: "Only a Stuck deletion can be retried.",
            detail: await grain.GetAsync() is { } deletion ? $"The deletion of user {userId} is {deletion.State}." : $"User {userId} has no deletion.");
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
