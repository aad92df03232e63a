using System.Security.Claims;
using AuthApi.Deletion;
using Registration.Grains;
using Registration.ServiceDefaults.Auth;
using Registration.ServiceDefaults.Cluster;

namespace AuthApi.Features;

/// <summary>GET /api/v1/auth/me/deletion: the signed-in user's account deletion, its state and each service's step; once erased, the token is refused (401).</summary>
public static class GetDeletion
{
    public static async Task<IResult> HandleAsync(ClaimsPrincipal principal, ClusterConnection cluster)
    {
        if (principal.FindUserId() is not { } userId)
        {
            return AccountProblems.NoDeletion();
        }

        var deletion = await cluster.RequireGrains().GetGrain<IAccountDeletionGrain>(userId).GetAsync();
        return deletion switch
        {
            null => AccountProblems.NoDeletion(),
            { State: AccountDeletionState.Erased } => AccountProblems.Deleted(),
            _ => TypedResults.Ok(DeletionView.From(deletion)),
        };
    }
}
