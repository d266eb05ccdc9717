using System.Diagnostics;
using NATS.Client.Core;

namespace Storage.Bench.Infrastructure;

/// <summary>
/// The echo baseline's responder as its own process (<c>Storage.Bench --echo-responder URL</c>), started
/// the way the service host is, so the physical-limit baseline and the service pay the same process
/// and scheduling costs and the responder's CPU is measured alone.
/// </summary>
internal sealed class EchoResponder : IAsyncDisposable
{
    public const string Flag = "--echo-responder";
    public const string Subject = "bench.echo";
    private const string ReadyLine = "ready";

    private readonly Process _process;

    private EchoResponder(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>The child's side: replies every request with its payload until standard input closes.</summary>
    public static async Task<int> ServeAsync(string url)
    {
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = url, Name = "bench-echo" });
        await using var subscription = await connection.SubscribeCoreAsync<byte[]>(Subject);
        await connection.PingAsync();
        using var stop = new CancellationTokenSource();
        var loop = Task.Run(async () =>
        {
            await foreach (var msg in subscription.Msgs.ReadAllAsync(stop.Token))
                await msg.ReplyAsync(msg.Data);
        });
        Console.Out.WriteLine(ReadyLine);
        Console.Out.Flush();
        await Console.In.ReadToEndAsync(); // The parent closes our standard input to stop us.
        await stop.CancelAsync();
        await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        return 0;
    }

    /// <summary>The parent's side: starts the responder and waits until it is subscribed.</summary>
    public static async Task<EchoResponder> StartAsync(string url, CancellationToken cancellationToken)
    {
        var dotnet = Processes.FindExecutable("dotnet") ?? throw new InvalidOperationException("dotnet is not on PATH.");
        var info = new ProcessStartInfo(dotnet)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "Storage.Bench.dll"), Flag, url })
            info.ArgumentList.Add(a);
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the echo responder.");
        var responder = new EchoResponder(process);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                if (line == ReadyLine)
                    return responder;
            throw new InvalidOperationException($"The echo responder exited with {process.ExitCode} before it was ready.");
        }
        catch
        {
            await responder.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
    }
}
