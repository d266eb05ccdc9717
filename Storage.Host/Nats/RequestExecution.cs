namespace Storage.Host.Nats;

/// <summary>Where a request's handler starts running.</summary>
internal enum RequestExecution
{
    /// <summary>On a thread-pool thread: for handlers that may do long synchronous work (SQLite queries).</summary>
    Background,

    /// <summary>
    /// On the endpoint's delivery loop until its first real await: for handlers whose synchronous part
    /// is a few microseconds (KV); saves a thread-pool hand-off per request.
    /// </summary>
    Inline,
}
