using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Registration.ServiceDefaults.Auth;

namespace AuthApi.Security;

/// <summary>
/// Refresh tokens with rotation and reuse detection (OAuth 2.0 Security BCP, RFC 9700 section 4.14.2): a token is 32 random
/// bytes in base64url, stored only as its SHA-256, and good for one exchange within <see cref="JwtOptions.RefreshTokenLifetime"/>.
/// A login starts a family; each exchange spends the presented token and issues its successor in the same family. A spent
/// token presented again means two parties hold the family (a thief or its victim), so the whole family is revoked and
/// both must log in again. Two exchanges of one token at the same moment are the same case: one wins, the other revokes.
/// </summary>
public sealed partial class RefreshTokens(IOptions<JwtOptions> options, ILogger<RefreshTokens> logger)
{
    public const int TokenBytes = 32;

    /// <summary>The user a token was exchanged for, and the token that replaces it.</summary>
    public sealed record Rotation(Guid UserId, string Email, string RefreshToken);

    private sealed record Spent(Guid UserId, Guid FamilyId, string Email);

    private sealed record Presented(Guid UserId, Guid FamilyId);

    /// <summary>Starts a new family (a login) and returns its first token.</summary>
    public Task<string> IssueAsync(NpgsqlConnection connection, Guid userId, CancellationToken cancellationToken) =>
        InsertAsync(connection, null, Guid.CreateVersion7(), userId, Guid.CreateVersion7(), cancellationToken);

    /// <summary>
    /// Spends <paramref name="presented"/> and issues its successor, in one transaction. The spend is a conditional
    /// UPDATE: of two exchanges of one token, the second waits for the first to commit and then finds it spent.
    /// </summary>
    /// <returns>The rotation, or null when the token is unknown, expired, revoked or already spent (then its family is revoked).</returns>
    public async Task<Rotation?> RotateAsync(NpgsqlConnection connection, string presented, CancellationToken cancellationToken)
    {
        var tokenHash = HashOf(presented);
        var successorId = Guid.CreateVersion7();
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            var spent = await connection.QuerySingleOrDefaultAsync<Spent>(new CommandDefinition(
                """
                UPDATE refresh_tokens r SET spent_at = now(), replaced_by = @successorId
                FROM users u
                WHERE r.token_hash = @tokenHash AND u.id = r.user_id
                  AND r.spent_at IS NULL AND r.revoked_at IS NULL AND r.expires_at > now()
                RETURNING r.user_id AS UserId, r.family_id AS FamilyId, u.email AS Email
                """,
                new { tokenHash, successorId },
                transaction,
                cancellationToken: cancellationToken));
            if (spent is not null)
            {
                var successor = await InsertAsync(connection, transaction, successorId, spent.UserId, spent.FamilyId, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new Rotation(spent.UserId, spent.Email, successor);
            }
        }

        await RevokeIfReusedAsync(connection, tokenHash, cancellationToken);
        return null;
    }

    /// <summary>Revokes the family of <paramref name="presented"/>; nothing when the token is unknown.</summary>
    public Task RevokeFamilyAsync(NpgsqlConnection connection, string presented, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE refresh_tokens SET revoked_at = now()
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @tokenHash) AND revoked_at IS NULL
            """,
            new { tokenHash = HashOf(presented) },
            cancellationToken: cancellationToken));

    /// <summary>Revokes every refresh token of the user, in the caller's transaction.</summary>
    public Task RevokeAllAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = @userId AND revoked_at IS NULL",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>The stored form of a token: its SHA-256. The token is 256 random bits, so a fast hash suffices.</summary>
    public static byte[] HashOf(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private async Task RevokeIfReusedAsync(NpgsqlConnection connection, byte[] tokenHash, CancellationToken cancellationToken)
    {
        var reused = await connection.QuerySingleOrDefaultAsync<Presented>(new CommandDefinition(
            "SELECT user_id AS UserId, family_id AS FamilyId FROM refresh_tokens WHERE token_hash = @tokenHash AND spent_at IS NOT NULL",
            new { tokenHash },
            cancellationToken: cancellationToken));
        if (reused is null)
        {
            return;
        }

        var revoked = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = @familyId AND revoked_at IS NULL",
            new { familyId = reused.FamilyId },
            cancellationToken: cancellationToken));
        LogReuse(reused.UserId, reused.FamilyId, revoked);
    }

    private async Task<string> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, Guid userId, Guid familyId, CancellationToken cancellationToken)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at)
            VALUES (@id, @userId, @familyId, @tokenHash, now() + @lifetime)
            """,
            new { id, userId, familyId, tokenHash = HashOf(token), lifetime = options.Value.RefreshTokenLifetime },
            transaction,
            cancellationToken: cancellationToken));
        return token;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A spent refresh token of user {UserId} was presented again: family {FamilyId} revoked ({Revoked} tokens)")]
    private partial void LogReuse(Guid userId, Guid familyId, int revoked);
}
