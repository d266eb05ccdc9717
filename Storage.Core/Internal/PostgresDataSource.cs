using Npgsql;

namespace Storage.Core.Internal;

/// <summary>
/// An app's own <see cref="NpgsqlDataSource"/>, given to <c>AddPluginStorage(dataSource)</c>: the
/// service's connections come from it. The app owns it; the service never disposes it.
/// </summary>
internal sealed record PostgresDataSource(NpgsqlDataSource Source);
