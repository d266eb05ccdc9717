using System.Text.Json;
using Storage.Contracts;

namespace QuoteDb;

/// <summary>The plugin's schema as portable ops: the service renders them for SQLite or PostgreSQL and derives the rollback.</summary>
public static class QuoteMigrations
{
    /// <summary>Every migration in order; applying the full list applies only what is new.</summary>
    public static IReadOnlyList<Migration> All { get; } =
    [
        Ops("001_quotes", """
            [{"op": "create_table", "table": "quotes", "columns": [
                {"name": "id", "type": "serial", "primary_key": true},
                {"name": "text", "type": "text", "nullable": false},
                {"name": "author", "type": "varchar(255)"},
                {"name": "added_by", "type": "varchar(255)", "nullable": false},
                {"name": "timestamp", "type": "timestamptz", "nullable": false, "default": {"function": "now"}}]},
             {"op": "create_index", "table": "quotes", "name": "quotes_author", "columns": ["author"]}]
            """),
        Ops("002_contributors", """
            [{"op": "create_table", "table": "contributors", "columns": [
                {"name": "user_id", "type": "varchar(255)", "primary_key": true},
                {"name": "quotes", "type": "integer", "nullable": false, "default": 0},
                {"name": "last_added", "type": "timestamptz"}]}]
            """),
    ];

    private static Migration Ops(string version, string ops) =>
        new(version, Up: null, Ops: JsonDocument.Parse(ops).RootElement.Clone());
}
