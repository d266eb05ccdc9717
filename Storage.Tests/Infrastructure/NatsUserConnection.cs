using System.Threading.Channels;
using NATS.Client.Core;

namespace Storage.Tests.Infrastructure;

/// <summary>
/// A NATS connection as one configured user, with that user's inbox prefix, that records the
/// server's <c>-ERR</c> lines (NATS.Net raises <see cref="INatsConnection.ServerError"/> for them;
/// publishes and subscriptions themselves do not fail).
/// </summary>
internal sealed class NatsUserConnection : IAsyncDisposable
{
    private readonly Channel<NatsServerErrorEventArgs> _errors = Channel.CreateUnbounded<NatsServerErrorEventArgs>();

    private NatsUserConnection(NatsConnection connection) => Connection = connection;

    public NatsConnection Connection { get; }

    public static async Task<NatsUserConnection> ConnectAsync(string url, string user, string password, string? inboxPrefix = null)
    {
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = url,
            AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
            InboxPrefix = inboxPrefix ?? "_INBOX." + user,
            RequestTimeout = TimeSpan.FromSeconds(10),
        });
        var result = new NatsUserConnection(connection);
        connection.ServerError += (_, e) =>
        {
            result._errors.Writer.TryWrite(e);
            return ValueTask.CompletedTask;
        };
        await connection.ConnectAsync();
        return result;
    }

    /// <summary>Waits for the next server error whose text contains <paramref name="fragment"/>.</summary>
    public async Task<NatsServerErrorEventArgs> NextErrorAsync(string fragment)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await foreach (var error in _errors.Reader.ReadAllAsync(timeout.Token))
            {
                if (error.Error.Contains(fragment, StringComparison.Ordinal))
                    return error;
            }
        }
        catch (OperationCanceledException)
        {
            // Reported below with what was expected.
        }
        throw new AssertFailedException($"The server sent no error containing '{fragment}' within 10 s.");
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
