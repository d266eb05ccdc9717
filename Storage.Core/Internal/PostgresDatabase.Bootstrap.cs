using Microsoft.Extensions.Logging;
using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// Creates the service schema and every service-owned table once per database. Everything the
/// service keeps per plugin lives here, where no plugin role has any right (see docs/security.md).
/// </summary>
internal sealed partial class PostgresDatabase
{
    // Every object bootstrap creates; their presence is the plain catalog check that skips it.
    private const string BootstrapDoneSql = """
        SELECT pg_catalog.to_regclass('_storage.plugins') IS NOT NULL AND pg_catalog.to_regclass('_storage.plugins_schema') IS NOT NULL AND pg_catalog.to_regclass('_storage.locks') IS NOT NULL
           AND pg_catalog.to_regclass('_storage.kv') IS NOT NULL AND pg_catalog.to_regclass('_storage.kv_revision') IS NOT NULL
           AND pg_catalog.to_regclass('_storage.migration_journal') IS NOT NULL
           AND pg_catalog.to_regprocedure('_storage.relation_size(oid)') IS NOT NULL
           AND pg_catalog.to_regnamespace('_storage_migrate') IS NOT NULL
           AND pg_catalog.to_regprocedure('_storage.plugin_changed(text,boolean)') IS NOT NULL
        """;

    private const string BootstrapSql = """
        CREATE SCHEMA IF NOT EXISTS _storage;
        REVOKE ALL ON SCHEMA _storage FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS _storage.plugins (
            plugin text PRIMARY KEY,
            schema_name text NOT NULL,
            role_name text NOT NULL,
            password text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT pg_catalog.now());
        -- Migrations find the plugin by its schema: without this, a scan of every plugin per lookup.
        CREATE INDEX IF NOT EXISTS plugins_schema ON _storage.plugins (schema_name);
        -- Plugin roles get USAGE here when they are created; the migrations tier puts its functions in it.
        CREATE SCHEMA IF NOT EXISTS _storage_migrate;
        REVOKE ALL ON SCHEMA _storage_migrate FROM PUBLIC;
        CREATE TABLE IF NOT EXISTS _storage.locks (name text PRIMARY KEY);
        INSERT INTO _storage.locks (name) VALUES ('provision') ON CONFLICT DO NOTHING;
        CREATE TABLE IF NOT EXISTS _storage.kv (
            plugin text NOT NULL,
            key text COLLATE "C" NOT NULL,
            value text NOT NULL,
            revision bigint NOT NULL,
            expires_at bigint,
            PRIMARY KEY (plugin, key));
        CREATE INDEX IF NOT EXISTS kv_expires ON _storage.kv (expires_at) WHERE expires_at IS NOT NULL;
        CREATE SEQUENCE IF NOT EXISTS _storage.kv_revision;
        CREATE TABLE IF NOT EXISTS _storage.migration_journal (
            schema_name text NOT NULL,
            version text NOT NULL,
            position bigint NOT NULL,
            checksum text NOT NULL,
            down_script text,
            applied_at timestamptz NOT NULL,
            duration_ms bigint NOT NULL,
            PRIMARY KEY (schema_name, version));
        CREATE TABLE IF NOT EXISTS _storage.migration_tickets (
            ticket_hash bytea PRIMARY KEY,
            schema_name text NOT NULL,
            expires_at timestamptz NOT NULL);
        CREATE TABLE IF NOT EXISTS _storage.migration_locks (schema_name text PRIMARY KEY);
        -- Sizes for db.admin.plugins: NULL instead of waiting more than 200 ms behind a plugin's LOCK TABLE.
        CREATE OR REPLACE FUNCTION _storage.relation_size(rel oid) RETURNS bigint
            LANGUAGE plpgsql SET search_path = pg_catalog SET lock_timeout = '200ms'
            AS $f$ BEGIN RETURN pg_catalog.pg_total_relation_size(rel); EXCEPTION WHEN lock_not_available THEN RETURN NULL; END $f$;
        REVOKE ALL ON FUNCTION _storage.relation_size(oid) FROM PUBLIC;
        REVOKE ALL ON SCHEMA public FROM PUBLIC;
        DO $$ BEGIN EXECUTE pg_catalog.format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC', pg_catalog.current_database()); END $$;
        """;

    // Tables a previous version kept in plugin schemas. Only service-owned ones are read (a plugin
    // cannot put triggers, rules or policies on a table it does not own); a plugin-owned one is the plugin's own.
    private const string MoveLegacySql = """
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT n.nspname, c.relname FROM pg_catalog.pg_class c
                     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                     JOIN _storage.plugins p ON p.schema_name = n.nspname
                    WHERE c.relname IN ('_storage_kv', '_storage_migrations', '_storage_kv_revision')
                      AND c.relkind IN ('r', 'S') AND c.relowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
                    ORDER BY c.relname
          LOOP
            IF r.relname = '_storage_kv' THEN
              EXECUTE pg_catalog.format('INSERT INTO _storage.kv (plugin, key, value, revision, expires_at)
                SELECT p.plugin, k.key, k.value, k.revision, k.expires_at FROM %I._storage_kv k, _storage.plugins p
                 WHERE p.schema_name = %L ON CONFLICT DO NOTHING', r.nspname, r.nspname);
              PERFORM pg_catalog.setval('_storage.kv_revision', GREATEST(
                (SELECT coalesce(max(revision), 1) FROM _storage.kv), (SELECT last_value FROM _storage.kv_revision)));
            ELSIF r.relname = '_storage_migrations' THEN
              EXECUTE pg_catalog.format('INSERT INTO _storage.migration_journal
                SELECT %L, version, position, checksum, down_script, applied_at, duration_ms FROM %I._storage_migrations
                ON CONFLICT DO NOTHING', r.nspname, r.nspname);
            END IF;
            EXECUTE pg_catalog.format('DROP %s %I.%I', CASE WHEN r.relname = '_storage_kv_revision' THEN 'SEQUENCE' ELSE 'TABLE' END, r.nspname, r.relname);
          END LOOP;
        END $$;
        """;

    private const string LargeObjectFunctions = "lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea), lo_import(text), lo_import(text, oid)";

    // Large objects live outside every schema and its accounting: only the functions' owner (or a superuser) can revoke them.
    private const string CanRevokeLargeObjectsSql = """
        SELECT r.rolsuper OR pg_catalog.bool_and(p.proowner = r.oid)
          FROM pg_catalog.pg_roles r, pg_catalog.pg_proc p
         WHERE r.rolname = current_user AND p.oid IN ('pg_catalog.lo_create(oid)'::pg_catalog.regprocedure,
               'pg_catalog.lo_creat(integer)'::pg_catalog.regprocedure, 'pg_catalog.lo_from_bytea(oid, bytea)'::pg_catalog.regprocedure,
               'pg_catalog.lo_import(text)'::pg_catalog.regprocedure, 'pg_catalog.lo_import(text, oid)'::pg_catalog.regprocedure)
         GROUP BY r.rolsuper
        """;

    public static string RevokeLargeObjectsSql => $"REVOKE EXECUTE ON FUNCTION {LargeObjectFunctions} FROM PUBLIC";

    private async Task CreateServiceSchemaAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await OpenAsync(_service, CancellationToken.None).ConfigureAwait(false);
            await using (var check = new NpgsqlCommand(BootstrapDoneSql, connection))
                if (await check.ExecuteScalarAsync().ConfigureAwait(false) is true)
                    return;
            try
            {
                await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                await using (var command = new NpgsqlCommand(BootstrapSql + PostgresChangeSql.Bootstrap + MoveLegacySql, connection, transaction))
                    await command.ExecuteNonQueryAsync().ConfigureAwait(false);
                await RevokeLargeObjectsAsync(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync().ConfigureAwait(false);
                return;
            }
            // Another instance bootstrapping at the same moment: its objects are there now, look again.
            catch (PostgresException ex) when (attempt < 5 && ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject
                or PostgresErrorCodes.DuplicateSchema or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateFunction)
            {
            }
        }
    }

    private async Task RevokeLargeObjectsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var check = new NpgsqlCommand(CanRevokeLargeObjectsSql, connection, transaction);
        if (await check.ExecuteScalarAsync().ConfigureAwait(false) is true)
        {
            await using var revoke = new NpgsqlCommand(RevokeLargeObjectsSql, connection, transaction);
            await revoke.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        else
        {
            LogLargeObjectsOpen(_logger, RevokeLargeObjectsSql);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Plugins can create large objects, which escape their schema and its accounting; the service role may not revoke that. Run as a superuser: {Statement}")]
    private static partial void LogLargeObjectsOpen(ILogger logger, string statement);
}
