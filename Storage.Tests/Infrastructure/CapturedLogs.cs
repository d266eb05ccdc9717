using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Storage.Tests.Infrastructure;

/// <summary>A logger provider that keeps every formatted line with its structured state, for log assertions.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<CapturedLine> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => Convert.ToString(p.Value, System.Globalization.CultureInfo.InvariantCulture))
                : [];
            owner.Lines.Enqueue(new CapturedLine(category, logLevel, formatter(state, exception), fields, exception));
        }
    }
}

/// <summary>One captured log line.</summary>
internal sealed record CapturedLine(string Category, LogLevel Level, string Message, Dictionary<string, string?> Fields, Exception? Exception);
