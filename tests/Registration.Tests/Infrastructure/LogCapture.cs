using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Registration.Tests.Infrastructure;

/// <summary>Everything a service logs (message, state, scopes, exception), for assertions on what logs may and must contain.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<CapturedLog> Entries => _entries;

    /// <summary>The exception the host logged when it failed to start (for example an options validation error), if it did.</summary>
    public Exception? StartFailure { get; private set; }

    /// <summary>
    /// Starts a <see cref="Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory{TEntryPoint}"/> host and, when it fails, throws
    /// the host's own start failure. (When the application fails fast, the factory can lose the race with the
    /// disposing host and throw an ObjectDisposedException instead of the real error.)
    /// </summary>
    public void Start(Action start)
    {
        try
        {
            start();
        }
        catch (ObjectDisposedException) when (StartFailure is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = new Dictionary<string, string?>();
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var (key, value) in values)
                {
                    fields[key] = value?.ToString();
                }
            }

            capture._scopes.ForEachScope(
                (scope, target) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var (key, value) in pairs)
                        {
                            target[key] = value?.ToString();
                        }
                    }
                    else if (scope is not null)
                    {
                        target[$"scope{target.Count}"] = scope.ToString();
                    }
                },
                fields);
            if (exception is not null && logLevel >= LogLevel.Error && category == HostCategory)
            {
                capture.StartFailure ??= exception;
            }

            capture._entries.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), fields, exception?.ToString()));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, string?> Fields, string? Exception)
{
    /// <summary>The whole entry as text, as a log sink would store it.</summary>
    public string Text()
    {
        var text = new StringBuilder().Append(Category).Append(' ').Append(Message);
        foreach (var (key, value) in Fields)
        {
            text.Append(' ').Append(key).Append('=').Append(value);
        }

        return text.Append(' ').Append(Exception).ToString();
    }
}
