namespace Storage.Sql.Internal;

/// <summary>
/// Names plugin SQL may not mention: the catalogs, the service's own objects, and functions that
/// read files, change settings, reveal other objects or run a query given as text (which would
/// slip past the statement guard). The database enforces the hard boundary; this list keeps plugin
/// SQL away from what PostgreSQL grants to PUBLIC by default (the catalog).
/// </summary>
internal static class ForbiddenNames
{
    // Refused wherever they appear (tables, schemas, functions, types).
    private static readonly string[] Prefixes = ["pg_", "_storage", "sqlite_", "pragma_"];

    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "information_schema", "dbstat",
        // Object identifier types resolve any name in the catalog.
        "regclass", "regcollation", "regconfig", "regdictionary", "regnamespace", "regoper", "regoperator",
        "regproc", "regprocedure", "regrole", "regtype",
    };

    // Refused when called (followed by '('), so columns may still carry these names.
    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "current_setting", "set_config", "version", "current_database", "current_catalog",
        "inet_server_addr", "inet_server_port", "inet_client_addr", "inet_client_port",
        "query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "cursor_to_xml", "cursor_to_xmlschema",
        "table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema", "schema_to_xml", "schema_to_xmlschema",
        "schema_to_xml_and_xmlschema", "database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema",
        "ts_stat", "ts_rewrite", "obj_description", "col_description", "shobj_description", "format_type",
        "txid_current", "txid_current_snapshot", "txid_status", "acldefault", "aclexplode",
        "dblink", "dblink_exec", "dblink_connect", "load_extension", "readfile", "writefile", "edit",
        "fts3_tokenizer", "zipfile", "fsdir", "lo_import", "lo_export",
    };

    private static readonly string[] FunctionPrefixes = ["to_reg", "has_", "lo_", "dblink"];

    /// <summary>Returns why <paramref name="name"/> is refused, or null when it is allowed.</summary>
    public static string? Check(string name, bool isCall)
    {
        foreach (var prefix in Prefixes)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return $"names starting with '{prefix}' (catalog and service objects) are not accessible";
        if (Names.Contains(name))
            return $"'{name}' refers to the database catalog, which is not accessible";
        if (!isCall)
            return null;
        if (Functions.Contains(name))
            return $"function '{name}' is not allowed";
        foreach (var prefix in FunctionPrefixes)
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return $"functions starting with '{prefix}' are not allowed";
        return null;
    }
}
