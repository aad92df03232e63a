namespace Registration.Grains.Notifications;

/// <summary>The statements of <see cref="NotificationWriter"/>.</summary>
internal static class NotificationSql
{
    /// <summary>
    /// Locks the state rows of the batch's users in one order (two transactions never deadlock); DO UPDATE so an
    /// existing row is locked too. A statement of its own: the next one takes its snapshot after the locks (READ
    /// COMMITTED), so it sees what a transaction it waited on committed.
    /// </summary>
    public const string LockUsers =
        """
        INSERT INTO notification_users AS s (user_id, last_sequence)
        SELECT user_id, 0 FROM unnest(@users) WITH ORDINALITY AS u (user_id, position) ORDER BY position
        ON CONFLICT (user_id) DO UPDATE SET user_id = s.user_id
        """;

    /// <summary>
    /// Decides each event (a batch holds at most one event per user) and records it, in one statement under the users'
    /// locks: the user's tombstone is set (the account was deleted): erased, nothing stored; its notification exists: duplicate (the event id is the only dedup key); not seen and older than @maxAge:
    /// expired (its key may have been deleted); no sequence, or the next one: applied; not seen and not above the user's
    /// last applied sequence (it arrived after a gap it left was skipped): late, stored all the same, out of order but
    /// never lost; a later one is held back (the user's held_since is set when it is first held) until both its
    /// occurred_at and held_since are older than @gapTimeout, then applied over the gap. The notification's unique event_id is the dedup key; applying moves
    /// the user's last sequence and clears held_since. Returns each position's decision, the last sequence it was judged
    /// against, and the new notification's id and time.
    /// </summary>
    public const string DecideAndRecord =
        """
        WITH batch AS (
            SELECT *
            FROM unnest(@events, @types, @users, @sequences, @occurredAt, @kinds, @texts, @todoIds) WITH ORDINALITY
                AS b (event_id, event_type, user_id, sequence, occurred_at, kind, text, todo_id, position)
        ),
        decided AS (
            SELECT b.*, s.last_sequence,
                (SELECT coalesce(max(n.id), 0) FROM notifications n WHERE n.user_id = b.user_id) AS previous_id,
                CASE
                    WHEN s.erased_at IS NOT NULL THEN 'erased'
                    WHEN EXISTS (SELECT FROM notifications n WHERE n.event_id = b.event_id) THEN 'duplicate'
                    WHEN b.occurred_at < now() - @maxAge THEN 'expired'
                    WHEN b.sequence IS NULL OR b.sequence = s.last_sequence + 1 THEN 'applied'
                    WHEN b.sequence <= s.last_sequence THEN 'late'
                    WHEN b.occurred_at < now() - @gapTimeout AND s.held_since < now() - @gapTimeout THEN 'gap'
                    ELSE 'held'
                END AS decision
            FROM batch b
            JOIN notification_users s ON s.user_id = b.user_id
        ),
        inserted AS (
            INSERT INTO notifications (user_id, event_id, event_type, kind, text, todo_id, sequence, occurred_at)
            SELECT user_id, event_id, event_type, kind, text, todo_id, sequence, occurred_at FROM decided
            WHERE decision IN ('applied', 'gap', 'late')
            ORDER BY position
            RETURNING id, event_id, created_at
        ),
        moved AS (
            UPDATE notification_users AS s
            SET last_sequence = CASE WHEN d.decision = 'held' THEN s.last_sequence ELSE d.sequence END,
                held_since = CASE WHEN d.decision = 'held' THEN coalesce(s.held_since, now()) END,
                updated_at = now()
            FROM decided d
            WHERE s.user_id = d.user_id AND d.sequence IS NOT NULL AND d.decision IN ('applied', 'gap', 'held')
        )
        SELECT d.position, d.decision, d.last_sequence, i.id, i.created_at, d.previous_id
        FROM decided d LEFT JOIN inserted i ON i.event_id = d.event_id
        """;
}
