namespace Storage.Tests.Client;

/// <summary>The migration folder the client suite applies: PostgreSQL DDL that the SQLite backend translates.</summary>
internal static class MigrationFiles
{
    public static string Write()
    {
        var folder = Directory.CreateTempSubdirectory("storage-client-migrations-").FullName;
        File.WriteAllText(Path.Combine(folder, "001_quotes.up.sql"),
            "CREATE TABLE quotes (id SERIAL PRIMARY KEY, author TEXT NOT NULL, text TEXT NOT NULL, score INTEGER NOT NULL DEFAULT 0, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW())");
        File.WriteAllText(Path.Combine(folder, "001_quotes.down.sql"), "DROP TABLE quotes");
        File.WriteAllText(Path.Combine(folder, "002_stats.up.sql"), "CREATE TABLE stats (player TEXT PRIMARY KEY, plays INTEGER NOT NULL DEFAULT 0, best INTEGER)");
        File.WriteAllText(Path.Combine(folder, "002_stats.down.sql"), "DROP TABLE stats");
        File.WriteAllText(Path.Combine(folder, "README.txt"), "not a migration");
        return folder;
    }
}
