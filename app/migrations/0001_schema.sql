-- Schema for the secure sample app. Applied by the owner role through
-- `python -m app migrate`; the runtime login never owns or alters anything here.

CREATE SCHEMA catalog;

-- Nobody but the owner may create objects in this database's public schema
-- (PostgreSQL 15+ already does this; stated here so older servers match).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

CREATE TABLE catalog.topics (
    slug     text PRIMARY KEY CHECK (slug ~ '^[a-z0-9-]{1,40}$'),
    name     text NOT NULL UNIQUE CHECK (char_length(name) BETWEEN 1 AND 80),
    position smallint NOT NULL UNIQUE
);

CREATE TABLE catalog.resources (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_slug  text NOT NULL REFERENCES catalog.topics (slug),
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    url         text NOT NULL UNIQUE CHECK (url ~ '^https://[^[:space:]]+$'),
    description text NOT NULL CHECK (char_length(description) <= 500)
);

-- The constraints repeat the form's rules so that a caller that skips the
-- form (or a future bug in it) still cannot store an oversized or non-web URL.
CREATE TABLE catalog.suggestions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_slug   text NOT NULL REFERENCES catalog.topics (slug),
    title        text NOT NULL CHECK (char_length(title) BETWEEN 3 AND 120),
    url          text NOT NULL CHECK (char_length(url) <= 2048 AND url ~* '^https?://[^[:space:]]+$'),
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    submitted_at timestamptz NOT NULL DEFAULT now()
);

-- One audit row per suggestion ties it to the request's correlation id, so an
-- operator can go from a stored row to the request's log lines.
CREATE TABLE catalog.suggestion_audit (
    suggestion_id  bigint PRIMARY KEY REFERENCES catalog.suggestions (id) ON DELETE CASCADE,
    correlation_id text NOT NULL CHECK (correlation_id ~ '^[0-9a-f]{32}$'),
    recorded_at    timestamptz NOT NULL DEFAULT now()
);

-- Writes go through this function only (seed 000: stored functions against
-- SQL injection). SECURITY DEFINER lets the runtime role insert without any
-- privilege on the tables; the fixed search_path stops a caller from
-- shadowing objects. Both inserts run in one statement, hence one transaction:
-- a suggestion is stored with its audit row or not at all.
CREATE FUNCTION catalog.submit_suggestion(p_title text, p_url text, p_topic text, p_correlation_id text)
    RETURNS bigint
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO catalog.suggestions (title, url, topic_slug)
        VALUES (p_title, p_url, p_topic)
        RETURNING id INTO new_id;
    INSERT INTO catalog.suggestion_audit (suggestion_id, correlation_id)
        VALUES (new_id, p_correlation_id);
    RETURN new_id;
END
$$;

-- Reading pending suggestions goes through a function too, so the runtime
-- role never needs SELECT on the suggestions table; the limit is clamped.
CREATE FUNCTION catalog.pending_suggestions(p_limit integer)
    RETURNS TABLE (title text, url text, topic_name text, submitted_on date)
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.title, s.url, t.name, (s.submitted_at AT TIME ZONE 'UTC')::date
      FROM catalog.suggestions AS s
      JOIN catalog.topics AS t ON t.slug = s.topic_slug
     WHERE s.status = 'pending'
     ORDER BY s.submitted_at DESC, s.id DESC
     LIMIT least(greatest(p_limit, 0), 200)
$$;

-- Functions are executable by PUBLIC by default; take that away.
REVOKE ALL ON FUNCTION catalog.submit_suggestion(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION catalog.pending_suggestions(integer) FROM PUBLIC;
