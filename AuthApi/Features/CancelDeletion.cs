using System.Security.Claims;
using AuthApi.Deletion;
using Registration.Grains;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;

namespace AuthApi.Features;

/// <summary>
/// POST /api/v1/auth/me/deletion/cancel: the saga's compensation, possible only during the grace period. The account stays
/// as it was (nothing was erased yet) and the cancellation is in the deletion's audit trail. Once the erasure began: 409.
/// </summary>
public static class CancelDeletion
{
    public static async Task<IResult> HandleAsync(ClaimsPrincipal principal, ClusterConnection cluster)
    {
        if (principal.FindUserId() is not { } userId)
        {
            return AccountProblems.NoDeletion();
        }

        var grain = cluster.RequireGrains().GetGrain<IAccountDeletionGrain>(userId);
        if (await grain.CancelAsync() is { } cancelled)
        {
            return TypedResults.Ok(DeletionView.From(cancelled));
        }

        return await grain.GetAsync() switch
        {
            null or { State: AccountDeletionState.Cancelled } => AccountProblems.NoDeletion(),
            { State: AccountDeletionState.Erased } => AccountProblems.Deleted(),
            var deletion => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The deletion can no longer be cancelled.",
                detail: $"It is {deletion.State}: the grace period ended at {deletion.EraseAfter:O}."),
        };
    }
}
