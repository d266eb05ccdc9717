using Storage.Core;

namespace Storage.Host.Nats;

/// <summary>Handles one request for one plugin: parse the body, call a tier, return the serialized reply.</summary>
internal delegate ValueTask<byte[]> RequestHandler(PluginId plugin, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);
