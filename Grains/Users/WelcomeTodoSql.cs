namespace Registration.Grains.Users;

/// <summary>The statement of <see cref="WelcomeTodoWriter"/> that decides each event of a batch and records it.</summary>
internal static class WelcomeTodoSql
{
    /// <summary>
    /// Runs after the batch's users are locked, so their last_sequence cannot move, and nobody else can record their
    /// events, until the commit. Decides each event in delivery order: seen before (in processed_events, or recorded at an
    /// earlier position of the batch) is a duplicate, however old; not seen and older than @maxAge (by occurred_at) is
    /// expired, since its key may have been deleted after it was applied; otherwise, without a sequence or newer than the
    /// user's last applied sequence, it is applied, and else stale. Then records the applied and stale ones (an expired one
    /// leaves nothing), inserts the applied ones' todos, moves each user to its newest applied sequence, and returns every
    /// position's outcome. An event of an erased user (its tombstone, erased_at, is set) is 'erased' and leaves nothing. The key is looked up before the age is judged, so an old copy of an applied event is a duplicate.
    /// All parts of a WITH read one snapshot and none sees another's writes: the decisions are made once, from the
    /// rows as they were after the locks were taken, and every write reads them.
    /// </summary>
    public const string DecideAndRecord =
        """
        WITH batch AS (
            SELECT *
            FROM unnest(@events, @types, @users, @sequences, @occurredAt, @todoIds, @correlationIds, @traceparents, @partitions) WITH ORDINALITY
                AS b (event_id, event_type, user_id, sequence, occurred_at, todo_id, correlation_id, traceparent, partition, position)
        ),
        -- An earlier copy in the batch makes a duplicate only if it is recorded, that is if it is not expired.
        seen AS (
            SELECT b.*,
                EXISTS (SELECT FROM processed_events p WHERE p.event_id = b.event_id)
                OR count(*) FILTER (WHERE b.occurred_at >= now() - @maxAge) OVER earlier_copies > 0 AS duplicate,
                b.occurred_at < now() - @maxAge AS old
            FROM batch b
            WINDOW earlier_copies AS (PARTITION BY b.event_id ORDER BY b.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ),
        -- The user's last applied sequence at an event is the larger of the locked one and the largest sequence of the
        -- user's earlier events in the batch that are recorded (neither duplicates nor expired): a stale one is never above
        -- it, so that largest sequence is the largest applied one. max() skips events without a sequence, greatest() an
        -- empty window.
        decided AS (
            SELECT n.position, n.event_id, n.event_type, n.user_id, n.sequence, n.occurred_at, n.todo_id,
                CASE
                    WHEN s.erased_at IS NOT NULL THEN 'erased'
                    WHEN n.duplicate THEN 'duplicate'
                    WHEN n.old THEN 'expired'
                    WHEN n.sequence IS NULL THEN 'applied'
                    WHEN n.sequence > greatest(s.last_sequence, max(n.sequence) FILTER (WHERE NOT n.duplicate AND NOT n.old) OVER earlier) THEN 'applied'
                    ELSE 'stale'
                END AS outcome
            FROM seen n
            JOIN user_event_state s ON s.user_id = n.user_id
            WINDOW earlier AS (PARTITION BY n.user_id ORDER BY n.position ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        ),
        -- No ON CONFLICT: under the users' locks only an event id reused by another user can be recorded meanwhile, and
        -- then the unique key fails the transaction (retried event by event, where it reads as a duplicate).
        recorded AS (
            INSERT INTO processed_events (event_id, event_type, user_id, sequence, occurred_at, outcome)
            SELECT event_id, event_type, user_id, sequence, occurred_at, outcome FROM decided
            WHERE outcome IN ('applied', 'stale')
            ORDER BY position
        ),
        welcomed AS (
            INSERT INTO todos (id, user_id, title, source_event_id)
            SELECT todo_id, user_id, @title, event_id FROM decided
            WHERE outcome = 'applied'
            ORDER BY position
            RETURNING id, user_id, title, completed, source_event_id
        ),
        -- Each welcome todo's TODO_CREATED, in the todo database's outbox.
        announced AS (
            SELECT d.position,
                add_todo_event(@todoCreated, w.user_id, w.id, w.title, w.completed, b.correlation_id, b.traceparent, b.partition) AS todo_event_id
            FROM welcomed w
            JOIN decided d ON d.event_id = w.source_event_id AND d.outcome = 'applied'
            JOIN batch b ON b.position = d.position
        ),
        advanced AS (
            UPDATE user_event_state AS s SET last_sequence = n.sequence, last_event_id = n.event_id, updated_at = now()
            FROM (
                SELECT DISTINCT ON (user_id) user_id, sequence, event_id FROM decided
                WHERE outcome = 'applied' AND sequence IS NOT NULL
                ORDER BY user_id, sequence DESC
            ) AS n
            WHERE s.user_id = n.user_id
        )
        SELECT d.position, d.outcome, a.todo_event_id FROM decided d LEFT JOIN announced a ON a.position = d.position
        """;
}
