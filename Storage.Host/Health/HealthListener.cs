using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Storage.Core;

namespace Storage.Host.Health;

/// <summary>
/// <c>/healthz</c> (the process answers) and <c>/readyz</c> (NATS connected, the database reachable,
/// endpoints registered) as JSON, on the same host and port as the Prometheus scrape endpoint. The
/// exporter owns <c>/metrics</c> on its own <see cref="HttpListener"/>; .NET's listeners share a port
/// by path prefix.
/// </summary>
internal sealed partial class HealthListener(string url, IPluginDatabase database, ServiceReadiness readiness, ILogger<HealthListener> logger)
    : BackgroundService
{
    private static readonly TimeSpan DatabaseCheckTimeout = TimeSpan.FromSeconds(2);
    private readonly HttpListener _listener = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Prefixes.Add(url + "healthz/");
        _listener.Prefixes.Add(url + "readyz/");
        _listener.Start(); // A port in use fails the start here, naming nothing else: say which setting.
        LogListening(logger, url);
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _listener.Stop();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _listener.Close();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && _listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException
                || (ex is InvalidOperationException && !_listener.IsListening))
            {
                return; // Stopping: the listener was stopped before or while we waited.
            }
            // Probes are answered one at a time: they are rare and cheap, and this bounds what a flood can cost.
            try
            {
                await AnswerAsync(context, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                LogProbeFailed(logger, ex); // The prober went away.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var path = context.Request.Url?.AbsolutePath.TrimEnd('/') ?? "";
        var (status, body) = path switch
        {
            "/healthz" => (200, Json(writer => writer.WriteString("status", "ok"))),
            "/readyz" => await ReadinessAsync(cancellationToken).ConfigureAwait(false),
            _ => (404, Json(writer => writer.WriteString("status", "not_found"))),
        };
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        response.Close();
    }

    private async Task<(int Status, byte[] Body)> ReadinessAsync(CancellationToken cancellationToken)
    {
        var nats = readiness.NatsConnected;
        var endpoints = readiness.Endpoints;
        string? databaseError = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(DatabaseCheckTimeout);
            await database.CheckAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StorageException or OperationCanceledException)
        {
            databaseError = ex is OperationCanceledException ? $"no answer within {DatabaseCheckTimeout.TotalSeconds:0} s" : ex.Message;
        }
        var ready = nats && endpoints > 0 && databaseError is null;
        var body = Json(writer =>
        {
            writer.WriteString("status", ready ? "ready" : "not_ready");
            writer.WriteStartObject("checks");
            writer.WriteStartObject("nats");
            writer.WriteBoolean("ok", nats);
            writer.WriteEndObject();
            writer.WriteStartObject("database");
            writer.WriteBoolean("ok", databaseError is null);
            writer.WriteString("provider", database.Provider.WireName());
            if (databaseError is not null)
                writer.WriteString("error", databaseError);
            writer.WriteEndObject();
            writer.WriteStartObject("endpoints");
            writer.WriteBoolean("ok", endpoints > 0);
            writer.WriteNumber("registered", endpoints);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
        return (ready ? 200 : 503, body);
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Health probes and Prometheus metrics on {Url} (/healthz, /readyz, /metrics)")]
    private static partial void LogListening(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A health probe could not be answered")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception);
}
