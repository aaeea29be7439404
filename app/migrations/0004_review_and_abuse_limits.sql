-- Suggestions are published only after review (the seed's workflow: people
-- suggest, the maintainers decide), one client cannot flood the table, and
-- text with invisible or direction-changing characters is refused here as
-- well as in the form.

ALTER TABLE catalog.suggestions ADD COLUMN reviewed_at timestamptz;
-- NOT VALID: rows stored before this migration are kept as they are; every
-- new or changed row must satisfy the rules.
ALTER TABLE catalog.suggestions ADD CONSTRAINT suggestions_reviewed_when_decided
    CHECK ((status = 'pending') = (reviewed_at IS NULL)) NOT VALID;
-- Zero-width, bidi embedding/override/isolate, word-joiner and BOM code points
-- (all of Unicode category Cf that renders as nothing or reorders text).
ALTER TABLE catalog.suggestions ADD CONSTRAINT suggestions_visible_text
    CHECK (title !~ '[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]'
       AND url !~ '[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]')
    NOT VALID;

-- One row per client and fixed window. client_key is an HMAC of the client's
-- address computed by the app (app/rate_limit.py), never the address itself.
CREATE TABLE catalog.submission_windows (
    client_key   text NOT NULL CHECK (client_key ~ '^[0-9a-f]{64}$'),
    window_ends  timestamptz NOT NULL,
    submissions  integer NOT NULL CHECK (submissions > 0),
    PRIMARY KEY (client_key, window_ends)
);
CREATE INDEX submission_windows_by_end ON catalog.submission_windows (window_ends);

-- Count one submission for the client; return 0 when it is within the limit,
-- otherwise the seconds until its window ends (for Retry-After). The upsert
-- is atomic, so concurrent workers cannot both take the last slot.
CREATE FUNCTION catalog.take_submission_slot(p_client_key text, p_limit integer, p_window_seconds integer)
    RETURNS integer
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    this_window_ends timestamptz;
    used integer;
BEGIN
    IF p_limit < 1 OR p_window_seconds < 1 THEN
        RAISE EXCEPTION 'limit and window must be positive' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    this_window_ends := to_timestamp((floor(extract(epoch FROM now()) / p_window_seconds) + 1) * p_window_seconds);
    -- A client already over its limit costs a read, not a write: no row lock,
    -- no WAL flush, so a flood cannot queue honest clients behind its commits.
    SELECT w.submissions INTO used
      FROM catalog.submission_windows AS w
     WHERE w.client_key = p_client_key AND w.window_ends = this_window_ends;
    IF used IS NULL OR used <= p_limit THEN
        -- Finished windows are of no further use; the index keeps this cheap.
        DELETE FROM catalog.submission_windows AS w WHERE w.window_ends <= now();
        -- The upsert is the atomic step: its result, not the read above, decides.
        INSERT INTO catalog.submission_windows AS w (client_key, window_ends, submissions)
            VALUES (p_client_key, this_window_ends, 1)
            ON CONFLICT ON CONSTRAINT submission_windows_pkey
            -- Capped: a client hammering away cannot overflow the counter.
            DO UPDATE SET submissions = least(w.submissions + 1, p_limit + 1)
            RETURNING w.submissions INTO used;
        IF used <= p_limit THEN
            RETURN 0;
        END IF;
    END IF;
    RETURN greatest(1, ceil(extract(epoch FROM this_window_ends - now())))::integer;
END
$$;

-- What the public page shows: reviewed and accepted suggestions only.
CREATE FUNCTION catalog.accepted_suggestions(p_limit integer)
    RETURNS TABLE (title text, url text, topic_name text, reviewed_on date)
    LANGUAGE sql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.title, s.url, t.name, (s.reviewed_at AT TIME ZONE 'UTC')::date
      FROM catalog.suggestions AS s
      JOIN catalog.topics AS t ON t.slug = s.topic_slug
     WHERE s.status = 'accepted'
     ORDER BY s.reviewed_at DESC, s.id DESC
     LIMIT least(greatest(p_limit, 0), 200)
$$;

-- The review decision, for the owner (or a reviewer role granted it later),
-- never for the web app. Returns whether a pending suggestion was decided.
CREATE FUNCTION catalog.review_suggestion(p_id bigint, p_accept boolean)
    RETURNS boolean
    LANGUAGE sql
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH decided AS (
        UPDATE catalog.suggestions
           SET status = CASE WHEN p_accept THEN 'accepted' ELSE 'rejected' END, reviewed_at = now()
         WHERE id = p_id AND status = 'pending'
        RETURNING id
    )
    SELECT EXISTS (SELECT 1 FROM decided)
$$;

REVOKE ALL ON FUNCTION catalog.take_submission_slot(text, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION catalog.accepted_suggestions(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION catalog.review_suggestion(bigint, boolean) FROM PUBLIC;

GRANT EXECUTE ON FUNCTION catalog.take_submission_slot(text, integer, integer) TO securesample_runtime;
GRANT EXECUTE ON FUNCTION catalog.accepted_suggestions(integer) TO securesample_runtime;
-- Pending (unreviewed) suggestions are for reviewers, not for the public site.
REVOKE EXECUTE ON FUNCTION catalog.pending_suggestions(integer) FROM securesample_runtime;
