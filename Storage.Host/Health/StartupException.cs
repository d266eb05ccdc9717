namespace Storage.Host.Health;

/// <summary>A dependency the service needs at start (NATS, the database) stayed unreachable; the message says which and why.</summary>
internal sealed class StartupException(string message, Exception innerException) : Exception(message, innerException);
