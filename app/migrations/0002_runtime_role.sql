-- The runtime role: a NOLOGIN group that holds exactly what the web app needs.
-- Login roles are granted membership by `python -m app migrate` (see
-- app/migrate.py), so the grants live here, in one reviewed place.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'securesample_runtime') THEN
        CREATE ROLE securesample_runtime NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    -- Only named roles may connect, and nobody gets temporary tables by default.
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO securesample_runtime', current_database());
END
$$;

GRANT USAGE ON SCHEMA catalog TO securesample_runtime;
-- Read-only reference data.
GRANT SELECT ON catalog.topics, catalog.resources TO securesample_runtime;
-- Writes and reads of suggestions only through the SECURITY DEFINER functions.
GRANT EXECUTE ON FUNCTION catalog.submit_suggestion(text, text, text, text) TO securesample_runtime;
GRANT EXECUTE ON FUNCTION catalog.pending_suggestions(integer) TO securesample_runtime;
