namespace Storage.Contracts;

/// <summary>
/// Loads migrations from a folder for dev tools and tests: <c>NNN_name.up.sql</c> with an optional
/// <c>NNN_name.down.sql</c>; a backend-specific script is <c>NNN_name.up.postgres.sql</c> or
/// <c>NNN_name.up.sqlite.sql</c>. The version is the file name before <c>.up</c>; order is by version (ordinal).
/// </summary>
public static class MigrationFolder
{
    /// <summary>Reads the folder; raises INVALID_REQUEST for a down script without an up script or a missing folder.</summary>
    public static IReadOnlyList<Migration> Load(string directory)
    {
        if (!Directory.Exists(directory))
            throw StorageException.InvalidField("dir", $"Migration folder '{directory}' does not exist.");
        var ups = new SortedDictionary<string, Scripts>(StringComparer.Ordinal);
        var downs = new Dictionary<string, Scripts>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*.sql"))
        {
            var name = Path.GetFileName(path);
            if (!TryParse(name, out var version, out var direction, out var backend))
                continue;
            var target = direction == "up" ? ups : (IDictionary<string, Scripts>)downs;
            if (!target.TryGetValue(version, out var scripts))
                target[version] = scripts = new Scripts();
            var text = File.ReadAllText(path);
            if (backend is null or "postgres")
                scripts.Postgres = backend is null ? scripts.Postgres ?? text : text;
            if (backend is null or "sqlite")
                scripts.Sqlite = backend is null ? scripts.Sqlite ?? text : text;
        }
        if (downs.Keys.FirstOrDefault(v => !ups.ContainsKey(v)) is { } orphan)
            throw StorageException.InvalidField("dir", $"Migration folder '{directory}' has a down script for '{orphan}' but no up script.");
        return ups.Select(pair => new Migration(
            pair.Key,
            new MigrationSql(pair.Value.Postgres, pair.Value.Sqlite),
            downs.TryGetValue(pair.Key, out var down) ? new MigrationSql(down.Postgres, down.Sqlite) : null)).ToList();
    }

    // 001_create.up.sql, 001_create.down.postgres.sql
    private static bool TryParse(string fileName, out string version, out string direction, out string? backend)
    {
        var parts = fileName[..^".sql".Length].Split('.');
        version = "";
        direction = "";
        backend = null;
        if (parts.Length < 2)
            return false;
        var last = parts[^1];
        if (last is "postgres" or "sqlite" && parts.Length >= 3)
        {
            backend = last;
            parts = parts[..^1];
        }
        direction = parts[^1];
        if (direction is not ("up" or "down"))
            return false;
        version = string.Join('.', parts[..^1]);
        return version.Length > 0;
    }

    private sealed class Scripts
    {
        public string? Postgres { get; set; }
        public string? Sqlite { get; set; }
    }
}
