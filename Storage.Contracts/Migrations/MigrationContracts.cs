using System.Text.Json;
using System.Text.Json.Serialization;

namespace Storage.Contracts;

/// <summary>
/// One migration: a version, the SQL that applies it and the SQL that undoes it. Either script may
/// be one SQL text for both backends or one per backend. Instead of <see cref="Up"/> a migration may
/// carry <see cref="Ops"/>, a list of portable ops (<c>create_table</c>, <c>add_column</c>, ...) rendered
/// per backend; without <see cref="Down"/> its rollback runs the inverse of each op, newest first.
/// </summary>
public sealed record Migration(string? Version, MigrationSql? Up, MigrationSql? Down = null, JsonElement? Ops = null);

/// <summary><c>db.migrate.&lt;plugin&gt;</c> request body; <see cref="Action"/> selects apply, rollback or status.</summary>
public sealed record MigrationRequest(
    string? Action,
    IReadOnlyList<Migration>? Migrations = null,
    bool? DryRun = null,
    string? To = null,
    int? Steps = null);

/// <summary>What <c>apply</c> does: apply the pending migrations of <see cref="Migrations"/>, in order, atomically.</summary>
public sealed record MigrationApplyRequest(IReadOnlyList<Migration>? Migrations, bool? DryRun = null);

/// <summary><c>apply</c> reply: the versions applied by this request and the last applied version.</summary>
public sealed record MigrationApplyResponse(
    IReadOnlyList<string> Applied,
    string? Current,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? DryRun = null);

/// <summary>What <c>rollback</c> does: undo the newest <see cref="Steps"/> migrations (default 1), or all applied after <see cref="To"/>.</summary>
public sealed record MigrationRollbackRequest(string? To = null, int? Steps = null);

/// <summary><c>rollback</c> reply: the versions rolled back, newest first, and the version now current.</summary>
public sealed record MigrationRollbackResponse(IReadOnlyList<string> RolledBack, string? Current);

/// <summary><c>status</c> reply: the last applied version and every applied migration in the order applied.</summary>
public sealed record MigrationStatusResponse(string? Current, IReadOnlyList<AppliedMigration> Applied);

/// <summary>One journal entry: version, SHA-256 of its <c>up</c> script, when it was applied and how long it took.</summary>
public sealed record AppliedMigration(string Version, string Checksum, DateTime AppliedAt, long DurationMs);
