using System.Data.Common;
using System.Globalization;
using System.Text;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// A statement being assembled: SQL text whose identifiers come only from the catalog, and values
/// that only ever travel as parameters (<c>@p0</c>, <c>@p1</c>, ...).
/// </summary>
internal sealed class SqlText(StorageProvider provider)
{
    private readonly List<object?> _values = [];

    public StorageProvider Provider { get; } = provider;

    public bool IsPostgres => Provider == StorageProvider.Postgres;

    public StringBuilder Sql { get; } = new();

    /// <summary>
    /// Adds a parameter and returns its placeholder; INVALID_REQUEST naming <paramref name="field"/>
    /// once the statement would carry more than the backend accepts (checked before anything is sent).
    /// </summary>
    public string Param(object? value, string field = "filters")
    {
        ParameterLimits.Check(Provider, _values.Count + 1, field);
        _values.Add(value);
        return "@" + Name(_values.Count - 1);
    }

    /// <summary>
    /// A LIMIT written into the text, not bound: SQLite (3.53) plans with a bound LIMIT's value, so it
    /// re-prepares such a statement every time its parameters are bound again, which undoes the statements
    /// <see cref="RowCommands"/> keeps (a bound OFFSET does not). Only the tier's own checked integers come here.
    /// </summary>
    public static string Limit(long value) => value.ToString(CultureInfo.InvariantCulture);

    public SqlText Append(string text)
    {
        Sql.Append(text);
        return this;
    }

    public DbCommand Create(PluginConnection connection, DbTransaction? transaction = null) =>
        Bind(connection.CreateCommand(Sql.ToString(), transaction));

    /// <summary>Adds this statement's parameters to <paramref name="command"/> (a new one, or a kept one whose parameters were cleared).</summary>
    public DbCommand Bind(DbCommand command)
    {
        for (var i = 0; i < _values.Count; i++)
            command.With(Name(i), _values[i]);
        return command;
    }

    // "p0".."p63" without formatting them again for every statement.
    private static readonly string[] CommonNames = Enumerable.Range(0, 64).Select(i => "p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

    private static string Name(int index) => index < CommonNames.Length ? CommonNames[index] : "p" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Adds the statement to <paramref name="batch"/>, with its parameters.</summary>
    public void AddTo(DbBatch batch)
    {
        var command = batch.CreateBatchCommand();
        command.CommandText = Sql.ToString();
        for (var i = 0; i < _values.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = Name(i);
            parameter.Value = _values[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        batch.BatchCommands.Add(command);
    }

    public override string ToString() => Sql.ToString();
}
