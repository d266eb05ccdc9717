using Microsoft.Data.Sqlite;

namespace Storage.Core.Internal;

internal sealed partial class SqlitePluginFile
{
    /// <summary>What a connection is for: service connections and plugin connections per access are never mixed up.</summary>
    internal enum ConnectionKind
    {
        Service,
        Read,
        Write,
        Schema,
    }

    /// <summary>An open connection, the authorizer that must live as long as it, and a tier's state kept with it (prepared commands).</summary>
    internal sealed class Pooled(SqliteConnection connection, SqliteAuthorizer? authorizer, ConnectionKind kind) : IDisposable
    {
        public SqliteConnection Connection { get; } = connection;

        public SqliteAuthorizer? Authorizer { get; } = authorizer;

        public ConnectionKind Kind { get; } = kind;

        public IDisposable? State { get; set; }

        public void Dispose()
        {
            State?.Dispose();
            Connection.Dispose();
        }
    }
}
