namespace Storage.Tests.Security;

/// <summary>
/// One hostile move. <see cref="Sql"/> may use {victim} (quoted schema), {victim_raw}, {victim_role},
/// {self}, {self_raw}, {self_plugin}, {self_role}, {service_role}, {victim_file} and {evil_file}. <see cref="Raw"/>: also try it
/// as plain plugin SQL on a write connection (what the SQL tier runs on), not only as a migration.
/// </summary>
internal sealed record Attack(string Name, string Sql, bool Raw = true)
{
    public string Render(IReadOnlyDictionary<string, string> names) =>
        names.Aggregate(Sql, (sql, pair) => sql.Replace("{" + pair.Key + "}", pair.Value, StringComparison.Ordinal));

    public override string ToString() => Name;
}
