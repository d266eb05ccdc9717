using System.Data.Common;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>
/// The row tier's read statements kept prepared on one pooled SQLite plugin connection, so a repeated
/// select or search skips SQLite's parse, plan and authorizer callbacks (a fifth of a search's host
/// CPU). At most <see cref="MaxStatements"/> per connection, least recently used dropped first: the
/// statement texts come from plugin requests (filter shapes), so they must not accumulate. Used by
/// one request at a time (the connection's lease); dropped with the connection.
/// </summary>
internal sealed class RowCommands : IDisposable
{
    /// <summary>Prepared statements kept per connection.</summary>
    public const int MaxStatements = 16;

    private readonly DbConnection _connection;
    private readonly Dictionary<string, LinkedListNode<(string Sql, DbCommand Command)>> _bySql = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Sql, DbCommand Command)> _recent = new();

    private RowCommands(DbConnection connection) => _connection = connection;

    /// <summary>Statements kept now (for tests).</summary>
    public int Count => _bySql.Count;

    /// <summary>The kept commands, most recently used first (for tests).</summary>
    internal IEnumerable<DbCommand> Commands => _recent.Select(kept => kept.Command);

    /// <summary>The cache of a pooled SQLite connection, or null where commands are not kept (PostgreSQL: its connections are reset between leases).</summary>
    public static RowCommands? Of(PluginConnection connection) =>
        connection.Provider == StorageProvider.Sqlite ? connection.State(c => new RowCommands(c.Connection)) : null;

    /// <summary>A command for <paramref name="sql"/> with no parameters yet: the kept one when there is one.</summary>
    public DbCommand Get(string sql)
    {
        if (_bySql.TryGetValue(sql, out var node))
        {
            _recent.Remove(node);
            _recent.AddFirst(node);
            node.Value.Command.Parameters.Clear();
            return node.Value.Command;
        }
        if (_bySql.Count >= MaxStatements)
        {
            var oldest = _recent.Last!;
            _recent.RemoveLast();
            _bySql.Remove(oldest.Value.Sql);
            oldest.Value.Command.Dispose();
        }
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        _bySql[sql] = _recent.AddFirst((sql, command));
        return command;
    }

    /// <summary>Drops the statement after a failure, so a statement left in an unknown state is never run again.</summary>
    public void Forget(string sql)
    {
        if (_bySql.Remove(sql, out var node))
        {
            _recent.Remove(node);
            node.Value.Command.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var (_, command) in _recent)
            command.Dispose();
        _recent.Clear();
        _bySql.Clear();
    }
}
