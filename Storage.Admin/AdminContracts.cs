using System.Text.Json.Serialization;

namespace Storage.Admin;

/// <summary><c>db.admin.plugins</c> reply: every plugin with storage, by name.</summary>
public sealed record AdminPluginsResponse(IReadOnlyList<AdminPluginSize> Plugins);

/// <summary>
/// A plugin and the bytes its storage takes on disk; <c>unmeasured</c> (only when not empty) names
/// relations the plugin held locked, whose size is left out rather than waited for.
/// </summary>
public sealed record AdminPluginSize(string Plugin, long Bytes,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Unmeasured = null);

/// <summary><c>db.admin.storage.&lt;plugin&gt;</c> reply; table row counts are exact <c>COUNT(*)</c>s.</summary>
public sealed record AdminStorageResponse(string Plugin, string Provider, long Bytes, long KvKeys, IReadOnlyList<AdminTableSize> Tables);

/// <summary>A plugin table and its exact row count.</summary>
public sealed record AdminTableSize(string Name, long Rows);

/// <summary><c>db.admin.purge.&lt;plugin&gt;</c> request: <c>confirm</c> must repeat the plugin's name.</summary>
public sealed record AdminPurgeRequest(string? Confirm);

/// <summary><c>purge</c> reply; <c>purged</c> is false when the plugin had no storage.</summary>
public sealed record AdminPurgeResponse(string Plugin, bool Purged);

/// <summary><c>db.admin.import.&lt;plugin&gt;</c> reply: the KV entries and the rows per table that were written.</summary>
public sealed record AdminImportResponse(string Plugin, int Kv, IReadOnlyDictionary<string, int> Tables);
