namespace Storage.Migrations.Internal;

/// <summary>
/// A migration's <c>ops</c> rendered for one backend: the <c>up</c> SQL, the derived <c>down</c> SQL
/// (inverses newest first, or an irreversible marker naming the op), and the canonical ops text the
/// checksum covers.
/// </summary>
internal sealed record CompiledOps(string Up, string Down, string Canonical);
