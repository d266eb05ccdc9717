namespace Storage.Migrations.Internal;

/// <summary>
/// The service-owned PostgreSQL objects that let a plugin-role connection record journal rows
/// without giving the plugin role any right on the journal. See docs/security.md.
/// </summary>
internal static class PostgresMigrationSql
{
    // checked_schema is volatile (it reads the clock): it goes into a variable first, never into a
    // WHERE clause, where PostgreSQL would call it once per row of the table scanned, and a
    // migration's cost would grow with the number of plugins (measured: 1,000 calls per migration).
    // Functions are created by the service role. SECURITY DEFINER ones pin search_path so plugin
    // objects can never stand in for pg_catalog ones; they find the plugin from session_user, which
    // a plugin cannot change, and act only when given a ticket that only the service process knows.
    // The journal, ticket and lock tables are in _storage, created at the service's bootstrap. The
    // journal is a service table, not one in the plugin's schema: nothing a plugin owns or can alter
    // is ever written by these functions.
    public const string Install = """
        -- The schema itself is created at bootstrap (Core). Two instances replacing the same functions
        -- at once would collide on their catalog rows: one at a time, under the provisioning lock.
        SELECT 1 FROM _storage.locks WHERE name = 'provision' FOR UPDATE;

        CREATE OR REPLACE FUNCTION _storage_migrate.check_ticket(ticket text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$ BEGIN PERFORM _storage_migrate.checked_schema(ticket); END $f$;

        -- Runs as the caller (the plugin role). Inside a function PostgreSQL refuses COMMIT/ROLLBACK,
        -- so a script cannot end the transaction that also holds the journal rows.
        CREATE OR REPLACE FUNCTION _storage_migrate.run(ticket text, script text) RETURNS void
            LANGUAGE plpgsql SECURITY INVOKER
            AS $f$ BEGIN PERFORM _storage_migrate.check_ticket(ticket); EXECUTE script; END $f$;

        CREATE OR REPLACE FUNCTION _storage_migrate.checked_schema(ticket text) RETURNS text
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE s text;
            BEGIN
              SELECT t.schema_name INTO s
                FROM _storage.migration_tickets t JOIN _storage.plugins p ON p.schema_name = t.schema_name
               WHERE t.ticket_hash = sha256(convert_to(ticket, 'UTF8'))
                 AND p.role_name = session_user AND t.expires_at > clock_timestamp();
              IF s IS NULL THEN
                RAISE EXCEPTION 'journal access is reserved to the storage service' USING ERRCODE = '42501';
              END IF;
              RETURN s;
            END $f$;

        CREATE OR REPLACE FUNCTION _storage_migrate.guard_names(s text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE bad text;
            BEGIN
              SELECT c.relname INTO bad
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = s AND c.relname LIKE '\_storage\_%' AND c.relowner <> n.nspowner
               LIMIT 1;
              IF bad IS NOT NULL THEN
                RAISE EXCEPTION 'the name "%" is reserved for the storage service (prefix _storage_)', bad USING ERRCODE = '42501';
              END IF;
            END $f$;

        CREATE OR REPLACE FUNCTION _storage_migrate.lock(ticket text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE s text := _storage_migrate.checked_schema(ticket);
            BEGIN
              PERFORM 1 FROM _storage.migration_locks WHERE schema_name = s FOR UPDATE;
            END $f$;

        CREATE OR REPLACE FUNCTION _storage_migrate.journal_add(ticket text, version text, checksum text, down_script text, duration_ms bigint) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE s text := _storage_migrate.checked_schema(ticket);
            BEGIN
              PERFORM _storage_migrate.guard_names(s);
              INSERT INTO _storage.migration_journal (schema_name, version, position, checksum, down_script, applied_at, duration_ms)
                SELECT s, journal_add.version, COALESCE(max(j.position), 0) + 1, journal_add.checksum, journal_add.down_script, clock_timestamp(), journal_add.duration_ms
                  FROM _storage.migration_journal j WHERE j.schema_name = s;
            END $f$;

        CREATE OR REPLACE FUNCTION _storage_migrate.journal_remove(ticket text, version text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE s text := _storage_migrate.checked_schema(ticket);
            BEGIN
              PERFORM _storage_migrate.guard_names(s);
              DELETE FROM _storage.migration_journal j WHERE j.schema_name = s AND j.version = journal_remove.version;
            END $f$;

        -- Right before the commit: the change is recorded (for the other hosts' caches) in the migration's own transaction.
        CREATE OR REPLACE FUNCTION _storage_migrate.changed(ticket text) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog
            AS $f$
            DECLARE s text := _storage_migrate.checked_schema(ticket);
            BEGIN
              PERFORM _storage.plugin_changed(p.plugin, false) FROM _storage.plugins p WHERE p.schema_name = s;
            END $f$;

        REVOKE ALL ON FUNCTION _storage_migrate.checked_schema(text), _storage_migrate.guard_names(text) FROM PUBLIC;
        """;

    /// <summary>Whether the plugin already has what <see cref="Prepare"/> gives (true for every plugin created since provisioning grants it).</summary>
    public const string Prepared = """
        SELECT pg_catalog.has_schema_privilege(p.role_name, '_storage_migrate', 'USAGE')
               AND EXISTS (SELECT 1 FROM _storage.migration_locks l WHERE l.schema_name = p.schema_name)
          FROM _storage.plugins p WHERE p.schema_name = @schema
        """;

    /// <summary>Per plugin: its lock row and USAGE on the API schema for the role (under the service's provisioning lock: GRANTs on one schema must not race).</summary>
    public static string Prepare(string role) => $"""
        SELECT 1 FROM _storage.locks WHERE name = 'provision' FOR UPDATE;
        INSERT INTO _storage.migration_locks (schema_name) VALUES (@schema) ON CONFLICT DO NOTHING;
        GRANT USAGE ON SCHEMA _storage_migrate TO {Quote(role)};
        """;

    private static string Quote(string name) => Storage.Core.PluginConnection.QuoteIdentifier(name);
}
