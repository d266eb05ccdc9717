using NATS.Client.Services;
using Storage.Core;
using Storage.Host.Observability;

namespace Storage.Host.Nats;

internal sealed partial class RequestDispatcher
{
    /// <summary>One request on its way through the dispatcher: its plugin and its deadline.</summary>
    private sealed class Request : IDisposable
    {
        private const string NoPluginTag = "-";
        private readonly CancellationTokenSource _deadline;
        private readonly string? _token;

        public Request(NatsSvcMsg<ReadOnlyMemory<byte>> msg, Endpoint endpoint, long started, int timeoutMs, CancellationToken stopping)
        {
            Msg = msg;
            Endpoint = endpoint;
            Started = started;
            _token = PluginToken(msg.Subject, endpoint.PluginTokenIndex);
            var hasPlugin = endpoint.PluginTokenIndex != NoPlugin;
            var valid = PluginId.TryParse(_token, out var plugin);
            Plugin = plugin;
            Key = !hasPlugin ? NoPluginTag : valid ? plugin.Value : StorageMetrics.InvalidPlugin;
            // The deadline counts from arrival, so time spent waiting for a slot is part of it.
            _deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            _deadline.CancelAfter(timeoutMs);
        }

        public NatsSvcMsg<ReadOnlyMemory<byte>> Msg { get; }

        public Endpoint Endpoint { get; }

        public long Started { get; }

        public PluginId Plugin { get; }

        /// <summary>The plugin for limits, metrics and logs: its id, <c>-</c> for none, or <c>(invalid)</c>.</summary>
        public string Key { get; }

        /// <summary>Fires at the request's deadline or when shutdown gives up waiting.</summary>
        public CancellationToken Token => _deadline.Token;

        public bool HasReplySubject => !string.IsNullOrEmpty(Msg.ReplyTo);

        /// <summary>Raises INVALID_REQUEST for a bad plugin token and INVALID_JSON for a body that is not UTF-8.</summary>
        public void Check()
        {
            if (Key == StorageMetrics.InvalidPlugin)
                PluginId.Parse(_token); // Raises the contract's INVALID_REQUEST for the token.
            JsonSyntax.RequireUtf8(Msg.Data.Span);
        }

        public void Dispose() => _deadline.Dispose();

        private static string? PluginToken(string subject, int index)
        {
            if (index < 0)
                return null;
            // Walks the dots instead of splitting: this runs for every request.
            var start = 0;
            for (var i = 0; i < index; i++)
            {
                start = subject.IndexOf('.', start) + 1;
                if (start == 0)
                    return null;
            }
            var end = subject.IndexOf('.', start);
            return end < 0 ? subject[start..] : subject[start..end];
        }
    }
}
