namespace Storage.Sql.Internal;

/// <summary>
/// A statement the guard accepted: the SQL to send (placeholders rewritten to the provider's
/// positional form), the parameter name behind each position, whether it writes, and its
/// fingerprint (literals and parameters stripped) for profiling.
/// </summary>
internal sealed record GuardedStatement(string Sql, IReadOnlyList<string> ParameterNames, bool IsWrite, string Fingerprint);
