-- Task events. This database has an outbox of its own (Registration.Messaging's tables, migrated here too), relayed
-- like the auth database's. Every change of a todo, by the API or by the welcome handler, calls add_todo_event in the
-- statement that makes it, so the change and its event commit together.
--
-- Each user's task events are numbered from 1 with no gap: the user's row here is locked by the increment until the
-- commit, so the numbers follow the commit order.
CREATE TABLE todo_event_sequences (
    user_id       uuid PRIMARY KEY,
    last_sequence bigint NOT NULL
);

-- Writes one TODO_CREATED, TODO_UPDATED or TODO_DELETED event (version 1) to the outbox and returns its id. The body
-- is the contract's envelope (Registration.Contracts.TodoChanged); the todo as the change left it (a deleted one as it
-- was). The caller gives the partition (Registration.Messaging's OutboxPartitioner over the user id).
CREATE FUNCTION add_todo_event(
    _event_type text, _user_id uuid, _todo_id uuid, _title text, _completed boolean,
    _correlation_id text, _traceparent text, _partition smallint) RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    _event_id uuid := gen_random_uuid();
    _sequence bigint;
BEGIN
    INSERT INTO todo_event_sequences AS s (user_id, last_sequence) VALUES (_user_id, 1)
    ON CONFLICT (user_id) DO UPDATE SET last_sequence = s.last_sequence + 1
    RETURNING s.last_sequence INTO _sequence;

    INSERT INTO outbox (event_id, event_type, aggregate_id, partition, payload, headers)
    VALUES (
        _event_id, _event_type, _user_id, _partition,
        json_build_object(
            'eventId', _event_id, 'eventType', _event_type, 'version', 1, 'occurredAt', now(),
            'correlationId', _correlation_id, 'sequence', _sequence,
            'data', json_build_object('userId', _user_id, 'todoId', _todo_id, 'title', _title, 'completed', _completed)),
        jsonb_strip_nulls(jsonb_build_object('x-correlation-id', _correlation_id, 'traceparent', _traceparent)));
    RETURN _event_id;
END
$$;
