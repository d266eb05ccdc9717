using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// The import's bulk path on PostgreSQL: one <c>COPY ... FROM STDIN</c> per table on the plugin's own
/// connection (so as its role, with its rights, inside the import's transaction). Text format: the
/// database parses each value with the column type's input function, as the cast of a text parameter
/// does for the one-row insert, so every type the insert accepts is accepted here the same way.
/// </summary>
internal static partial class PostgresRowCopy
{
    /// <summary>
    /// Whether COPY may load the table: PostgreSQL refuses <c>COPY FROM</c> where row-level security
    /// applies to the current role, which a plugin may force on its own tables; those take inserts,
    /// which its policies check.
    /// </summary>
    public static async Task<bool> AllowedAsync(PluginConnection connection, System.Data.Common.DbTransaction transaction, TableInfo table,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand("SELECT NOT pg_catalog.row_security_active(@t)", transaction).With("t", connection.Qualify(table.Name));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Copies <paramref name="rows"/> (values converted by <see cref="RowValues.Convert"/>, in <paramref name="columns"/> order).</summary>
    public static async Task CopyAsync(PluginConnection connection, TableInfo table, IReadOnlyList<ColumnInfo> columns,
        IReadOnlyList<(string Path, object?[] Values)> rows, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection.Connection;
        var copy = $"COPY {connection.Qualify(table.Name)} ({string.Join(", ", columns.Select(c => c.Sql))}) FROM STDIN";
        try
        {
            await using var writer = await npgsql.BeginTextImportAsync(copy, cancellationToken).ConfigureAwait(false);
            var line = new StringBuilder();
            foreach (var (_, values) in rows)
            {
                line.Clear();
                for (var i = 0; i < values.Length; i++)
                {
                    if (i > 0)
                        line.Append('\t');
                    Append(line, values[i], columns[i]);
                }
                line.Append('\n');
                await writer.WriteAsync(line, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException ex) when (LineOf(ex) is { } number && number >= 1 && number <= rows.Count)
        {
            // COPY reports the line (row) it stopped at: the error names that row as the one-row insert would.
            throw RowStore.RowFailed(ProviderErrors.Translate(ex)!, rows[number - 1].Path, ex);
        }
    }

    private static void Append(StringBuilder line, object? value, ColumnInfo column)
    {
        switch (value)
        {
            case null:
                line.Append("\\N");
                break;
            case bool b:
                line.Append(b ? 't' : 'f');
                break;
            case long or double or decimal:
                line.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case DateTime time:
                line.Append(time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture));
                if (time.Kind == DateTimeKind.Utc)
                    line.Append("+00");
                break;
            case DateOnly date:
                line.Append(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case Guid uuid:
                line.Append(uuid.ToString("D"));
                break;
            case byte[] bytes:
                // bytea's hex input (\x...), its backslash escaped for COPY's text format.
                line.Append("\\\\x").Append(Convert.ToHexString(bytes));
                break;
            case string text:
                Escape(line, text);
                break;
            default:
                throw new InvalidOperationException($"No COPY text form for {value.GetType()} (column {column.Name}).");
        }
    }

    // COPY's text format: backslash, tab, newline and carriage return are escaped; nothing else is special.
    private static void Escape(StringBuilder line, string text)
    {
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => line.Append("\\\\"),
                '\t' => line.Append("\\t"),
                '\n' => line.Append("\\n"),
                '\r' => line.Append("\\r"),
                _ => line.Append(c),
            };
        }
    }

    private static int? LineOf(PostgresException ex) =>
        ex.Where is { } where && CopyLine().Match(where) is { Success: true } match
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"COPY [^,]*, line (\d+)")]
    private static partial Regex CopyLine();
}
