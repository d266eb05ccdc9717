namespace Storage.Host.Nats;

/// <summary>One operation of a tier: <c>db.&lt;tier&gt;.&lt;plugin&gt;.&lt;Name&gt;</c> and how it is handled.</summary>
/// <param name="Name">The subject's last token (<c>get</c>).</param>
/// <param name="IsWrite">Whether <c>request_id</c> idempotency applies.</param>
/// <param name="Handler">Parses, calls the tier, serializes.</param>
/// <param name="Execution">Where the handler starts (<see cref="RequestExecution"/>).</param>
internal sealed record TierOperation(string Name, bool IsWrite, RequestHandler Handler, RequestExecution Execution = RequestExecution.Background);
