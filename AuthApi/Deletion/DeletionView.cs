using Registration.Grains;

namespace AuthApi.Deletion;

/// <summary>A deletion as GET /api/v1/auth/me/deletion and the admin API show it.</summary>
public sealed record DeletionView(Guid UserId, string State, DateTimeOffset RequestedAt, DateTimeOffset EraseAfter, DateTimeOffset UpdatedAt, IReadOnlyList<DeletionView.Step> Steps)
{
    /// <param name="State">Waiting (not asked yet), Requested (asked, no reply yet) or Erased.</param>
    /// <param name="Attempts">How many times the service was asked.</param>
    public sealed record Step(string Service, string State, DateTimeOffset? At, int Attempts);

    public const string Location = "/api/v1/auth/me/deletion";

    public static DeletionView From(AccountDeletion deletion) => new(
        deletion.UserId, deletion.State.ToString(), deletion.RequestedAt, deletion.EraseAfter, deletion.UpdatedAt,
        [.. deletion.Steps.Select(s => new Step(s.Service, s.State, s.At, s.Attempts))]);
}
