namespace Storage.Core.Internal;

/// <summary>
/// The service-owned record of plugin changes that hosts sharing one database use to keep their
/// caches coherent. <c>_storage.plugin_changes</c> holds one row per changed plugin with the epoch of
/// its last change (and of its last purge), plus the counter row <c>''</c>. A change takes the counter
/// row's lock until it commits, so epochs become visible in order and "everything after epoch N" is
/// exact. Plugins have no right on <c>_storage</c>: only the service writes here. Anyone may NOTIFY the
/// channel, so a notification carries nothing and only makes a host read this table.
/// </summary>
internal static class PostgresChangeSql
{
    public const string Channel = "_storage_cache";

    /// <summary>The listening connection's application_name; after each sync it carries the epoch the host has applied.</summary>
    public const string ListenerName = "plugin-storage-cache";

    /// <summary>The application_name of the connection that checks whether other hosts are behind (not a listener's).</summary>
    public const string PeerCheckName = "plugin-storage-peers";

    public const string Bootstrap = """
        CREATE TABLE IF NOT EXISTS _storage.plugin_changes (
            plugin text PRIMARY KEY,
            epoch bigint NOT NULL,
            purged_epoch bigint NOT NULL DEFAULT 0);
        INSERT INTO _storage.plugin_changes (plugin, epoch) VALUES ('', 0) ON CONFLICT DO NOTHING;
        CREATE INDEX IF NOT EXISTS plugin_changes_epoch ON _storage.plugin_changes (epoch);
        CREATE OR REPLACE FUNCTION _storage.plugin_changed(changed text, purged boolean) RETURNS bigint
            LANGUAGE plpgsql SET search_path = pg_catalog
            AS $f$
            DECLARE e bigint;
            BEGIN
              UPDATE _storage.plugin_changes SET epoch = epoch + 1 WHERE plugin = '' RETURNING epoch INTO e;
              INSERT INTO _storage.plugin_changes AS c (plugin, epoch, purged_epoch) VALUES (changed, e, CASE WHEN purged THEN e ELSE 0 END)
                ON CONFLICT (plugin) DO UPDATE SET epoch = e, purged_epoch = GREATEST(c.purged_epoch, excluded.purged_epoch);
              PERFORM pg_notify('_storage_cache', '');
              RETURN e;
            END $f$;
        REVOKE ALL ON FUNCTION _storage.plugin_changed(text, boolean) FROM PUBLIC;

        """;

    /// <summary>In a purge's transaction (parameter <c>@p</c>: the plugin).</summary>
    public const string RecordPurge = "SELECT _storage.plugin_changed(@p, true)";

    /// <summary>Changes after <c>@seen</c>, oldest first, and always the counter row (plugin <c>''</c>).</summary>
    public const string Since = """
        SELECT plugin, epoch, purged_epoch FROM _storage.plugin_changes WHERE epoch > @seen OR plugin = '' ORDER BY epoch
        """;

    /// <summary>Every plugin ever changed, for a host whose epoch is ahead of the database's (a restore).</summary>
    public const string All = "SELECT plugin, epoch, epoch FROM _storage.plugin_changes ORDER BY epoch";

    public const string Report = "SELECT pg_catalog.set_config('application_name', @name, false)";

    // Listening sessions of the service's account in this database (pg_stat_activity spans the
    // server), other than ours, that have not yet applied the current epoch. A plugin's session runs
    // as its own role, so it cannot pose as a host.
    public const string PeersBehind = """
        SELECT count(*) FROM pg_catalog.pg_stat_activity a
         WHERE a.usename = current_user AND a.pid <> @own
           AND a.datname = pg_catalog.current_database()
           AND a.application_name LIKE 'plugin-storage-cache %'
           AND CASE WHEN pg_catalog.substr(a.application_name, 22) ~ '^[0-9]{1,18}$'
                    THEN pg_catalog.substr(a.application_name, 22)::bigint END
               < (SELECT epoch FROM _storage.plugin_changes WHERE plugin = '')
        """;
}
