using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Storage.Core;

namespace Storage.Migrations.Internal;

/// <summary>Checks requests before anything touches the database; every message names field, limit and value.</summary>
internal static partial class MigrationValidation
{
    public const int MaxVersionLength = 100;
    private const string VersionRule = "1 to 100 characters of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit";

    public static IReadOnlyList<PendingMigration> Apply(MigrationApplyRequest request, StorageProvider provider, int maxMigrations)
    {
        var migrations = request.Migrations ?? throw StorageException.InvalidField("migrations", "Field 'migrations' is required: a list of {\"version\",\"up\",\"down\"} objects.");
        if (migrations.Count > maxMigrations)
            throw StorageException.OutOfRange("migrations", $"at most {maxMigrations} migrations", migrations.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<PendingMigration>(migrations.Count);
        for (var i = 0; i < migrations.Count; i++)
        {
            var field = $"migrations[{i}]";
            var migration = migrations[i] ?? throw StorageException.InvalidField(field, $"Field '{field}' must be an object.");
            var version = Version(migration.Version, $"{field}.version");
            if (!seen.Add(version))
                throw StorageException.InvalidField($"{field}.version", $"Field '{field}.version' repeats version '{version}'; versions must be unique within a request.");
            var down = migration.Down is null ? null : Script(migration.Down, provider, $"{field}.down");
            if (migration.Ops is { ValueKind: not JsonValueKind.Null } ops)
            {
                if (migration.Up is not null)
                    throw StorageException.InvalidField($"{field}.ops", $"Field '{field}': give either 'up' or 'ops', not both.");
                var compiled = MigrationOpsCompiler.Compile(ops, provider, $"{field}.ops");
                result.Add(new PendingMigration(version, compiled.Up, down ?? compiled.Down, Checksum(compiled.Canonical)));
                continue;
            }
            var up = Script(migration.Up, provider, $"{field}.up")
                ?? throw StorageException.InvalidField($"{field}.up", $"Field '{field}.up' is required: a SQL string or {{\"postgres\",\"sqlite\"}} (or give 'ops').");
            // One script for both backends is read as PostgreSQL DDL; its common forms are translated for SQLite.
            var translate = provider == StorageProvider.Sqlite;
            result.Add(new PendingMigration(version,
                translate && IsShared(migration.Up) ? PostgresDdlTranslator.ToSqlite(up) : up,
                translate && down is not null && IsShared(migration.Down) ? PostgresDdlTranslator.ToSqlite(down) : down,
                Checksum(up)));
        }
        return result;
    }

    public static string Version(string? version, string field)
    {
        if (version is null)
            throw StorageException.InvalidField(field, $"Field '{field}' is required: {VersionRule}.");
        if (!VersionPattern().IsMatch(version))
            throw StorageException.OutOfRange(field, VersionRule, Shorten(version));
        return version;
    }

    public static string Checksum(string up) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(up)));

    private static string? Script(MigrationSql? sql, StorageProvider provider, string field)
    {
        if (sql is null)
            return null;
        var name = provider.WireName();
        return (provider == StorageProvider.Postgres ? sql.Postgres : sql.Sqlite)
            ?? throw StorageException.InvalidField(field, $"Field '{field}' has no '{name}' script; give one SQL string or both 'postgres' and 'sqlite'.");
    }

    private static bool IsShared(MigrationSql? sql) => sql is not null && string.Equals(sql.Postgres, sql.Sqlite, StringComparison.Ordinal);

    private static string Shorten(string value) => value.Length <= 120 ? $"'{value}'" : $"'{value[..120]}...' ({value.Length} characters)";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
