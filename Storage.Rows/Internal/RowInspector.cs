using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Storage.Core;

namespace Storage.Rows.Internal;

/// <summary>Counts and reads whole tables for the admin subjects, on read-only plugin connections.</summary>
internal sealed partial class RowInspector(IPluginDatabase database, RowCatalog catalog, PluginWrites writes) : IRowInspector
{
    public async Task<IReadOnlyList<RowTableSummary>> ListTablesAsync(PluginId plugin, CancellationToken cancellationToken)
    {
        var tables = await catalog.TablesAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (tables.Count == 0)
            return [];
        return await ProviderErrors.GuardAsync<IReadOnlyList<RowTableSummary>>(async () =>
        {
            await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, cancellationToken).ConfigureAwait(false);
            var summaries = new List<RowTableSummary>(tables.Count);
            foreach (var table in tables)
            {
                await using var command = connection.CreateCommand($"SELECT COUNT(*) FROM {connection.Qualify(table.Name)}");
                var count = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                summaries.Add(new RowTableSummary(table.Name, count));
            }
            return summaries;
        }).ConfigureAwait(false);
    }

    public async IAsyncEnumerable<JsonObject> ReadTableAsync(PluginId plugin, string table, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var info = await catalog.TableAsync(plugin, table, cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenPluginAsync(plugin, PluginAccess.Read, cancellationToken).ConfigureAwait(false);
        var order = info.Key is null ? "" : $" ORDER BY {info.Key.Sql}";
        await using var command = connection.CreateCommand(
            $"SELECT {string.Join(", ", info.Columns.Select(c => c.Sql))} FROM {connection.Qualify(info.Name)}{order}");
        await using var reader = await ProviderErrors.GuardAsync(() => command.ExecuteReaderAsync(cancellationToken)).ConfigureAwait(false);
        using var rows = new RowReader(reader, info.Columns, budget: null);
        while (await ProviderErrors.GuardAsync(() => reader.ReadAsync(cancellationToken)).ConfigureAwait(false))
            yield return rows.Current();
    }
}
