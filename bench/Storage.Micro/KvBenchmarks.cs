using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Storage.Core;
using Storage.Kv;

namespace Storage.Micro;

/// <summary>
/// One KV get or set of a 1 KB or 64 KB value on SQLite, in process through the public KV tier
/// (registered as the README's embedding snippet does), with the request parsed and the reply
/// written as the host's endpoint does; no NATS.
/// </summary>
public class KvBenchmarks
{
    private static readonly KvJsonContext Json = KvJsonContext.Default;
    private readonly PluginId _plugin = PluginId.Parse("micro-kv");
    private string _directory = "";
    private ServiceProvider? _provider;
    private IKvStore _kv = null!;
    private byte[] _setBody = [];
    private byte[] _getBody = [];

    [Params(1024, 64 * 1024)]
    public int ValueBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("storage-micro-").FullName;
        var services = new ServiceCollection();
        services.AddPluginStorage(o => o.Sqlite.Directory = _directory).AddKv();
        _provider = services.BuildServiceProvider();
        _kv = _provider.GetRequiredService<IKvStore>();
        _setBody = Encoding.UTF8.GetBytes($$"""{"key":"k","value":{{Value(ValueBytes)}}}""");
        _getBody = """{"key":"k"}"""u8.ToArray();
        Set().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public async Task<byte[]> Get()
    {
        var request = StorageJson.Deserialize(_getBody, Json.KvGetRequest);
        using var reply = new PooledBufferWriter();
        await _kv.WriteGetAsync(_plugin, request, reply, CancellationToken.None).ConfigureAwait(false);
        return reply.WrittenSpan.ToArray();
    }

    [Benchmark]
    public async Task<byte[]> Set()
    {
        var request = StorageJson.Deserialize(_setBody, Json.KvSetRequest);
        var reply = await _kv.SetAsync(_plugin, request, CancellationToken.None).ConfigureAwait(false);
        return JsonSerializer.SerializeToUtf8Bytes(reply, Json.KvSetResponse);
    }

    // A typical document: an object of short fields and a list of records, padded to the size.
    internal static string Value(int bytes)
    {
        var builder = new StringBuilder("""{"name":"quote of the day","tags":["a","b"],"items":[""");
        var i = 0;
        while (builder.Length < bytes - 64)
            builder.Append(i++ == 0 ? "" : ",").Append($$"""{"id":{{i}},"text":"line {{i}} of the value","ok":true}""");
        return builder.Append("]}").ToString();
    }
}
