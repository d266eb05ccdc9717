using System.Data.Common;

namespace Storage.Kv.Internal;

/// <summary>
/// Reuses one command per SQL text on a long-lived connection, so SQLite keeps each statement
/// prepared instead of parsing it on every request. Used by one caller at a time.
/// </summary>
internal sealed class CommandCache(DbConnection connection) : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbConnection Connection { get; } = connection;

    public DbCommand Get(string sql, DbTransaction? transaction = null)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands[sql] = command;
        }
        command.Parameters.Clear();
        command.Transaction = transaction;
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
    }
}
