using System.Net;
using System.Net.Sockets;

namespace Storage.Tests.Infrastructure;

internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new InvalidOperationException($"Nothing listened on 127.0.0.1:{port} within {timeout.TotalSeconds} s. {diagnostics()}");
    }
}
