using Microsoft.Data.Sqlite;

namespace Storage.Core;

/// <summary>
/// Consistent copies of SQLite plugin files while the service runs, through SQLite's online backup
/// API: each copy is one read transaction's snapshot of its file (WAL content included), taken
/// without blocking the service's writers. A plain file copy of a WAL database is not consistent.
/// </summary>
public static class SqliteBackup
{
    /// <summary>
    /// Copies every <c>&lt;plugin&gt;.db</c> of <paramref name="sourceDirectory"/> into
    /// <paramref name="targetDirectory"/> (created if missing; files there are replaced), one plugin at
    /// a time. A file deleted meanwhile (a purge) is skipped. Raises <see cref="StorageErrorCode.Unavailable"/>
    /// naming the file when one cannot be read or written.
    /// </summary>
    public static async Task<IReadOnlyList<SqliteBackupEntry>> BackupAsync(string sourceDirectory, string targetDirectory, CancellationToken cancellationToken)
    {
        var source = Path.GetFullPath(sourceDirectory);
        var target = Path.GetFullPath(targetDirectory);
        if (string.Equals(source, target, StringComparison.Ordinal))
            throw StorageException.InvalidField("dir", $"The backup directory must differ from the data directory '{source}'.");
        Directory.CreateDirectory(target);
        var copied = new List<SqliteBackupEntry>();
        foreach (var file in Directory.EnumerateFiles(source, "*.db").Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!PluginId.TryParse(Path.GetFileNameWithoutExtension(file), out var plugin) || !File.Exists(file))
                continue;
            var destination = Path.Combine(target, Path.GetFileName(file));
            var temporary = destination + ".partial";
            try
            {
                await Task.Run(() => Copy(file, temporary), cancellationToken).ConfigureAwait(false);
                File.Move(temporary, destination, overwrite: true);
                copied.Add(new SqliteBackupEntry(plugin, new FileInfo(destination).Length));
            }
            catch (SqliteException) when (!File.Exists(file))
            {
                File.Delete(temporary); // Purged while it was being copied: nothing to keep.
            }
            catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
            {
                File.Delete(temporary);
                throw new StorageException(StorageErrorCode.Unavailable, $"Backing up '{file}' to '{destination}' failed: {ex.Message}", null, ex);
            }
        }
        return copied;
    }

    private static void Copy(string file, string destination)
    {
        File.Delete(destination);
        // Read-only and unpooled: the backup never writes the plugin's file nor keeps it open afterwards.
        using var from = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ConnectionString);
        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ConnectionString);
        from.Open();
        to.Open();
        from.BackupDatabase(to);
        // A self-contained file: the copy carries no -wal of its own.
        using var command = to.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=DELETE;";
        command.ExecuteNonQuery();
    }
}

/// <summary>One plugin file copied by <see cref="SqliteBackup.BackupAsync"/>: its plugin and the copy's size in bytes.</summary>
public sealed record SqliteBackupEntry(PluginId Plugin, long Bytes);
