using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EventSourced.IntegrationTests.Support;

/// <summary>Every log line a host writes from a level up (every level by default), with its exception, for tests about what logs may hold.</summary>
public sealed class CapturedLogs(LogLevel minimum = LogLevel.Trace) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, minimum, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogLevel minimum, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            // Scopes have no level: kept with every level, for the tests that look for secrets.
            if (minimum == LogLevel.Trace)
            {
                lines.Enqueue($"{category} scope: {state}");
            }

            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {state} {exception}");
            }
        }
    }
}
