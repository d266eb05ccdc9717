using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using NATS.Client.Core;
using Storage.Host;
using Storage.Host.Cli;
using Storage.Tests.Infrastructure;

namespace Storage.Tests.Host;

/// <summary>
/// A real nats-server runs with the authorization block that <c>nats-config</c> generates, and the
/// host serves as the service user: plugins reach only their own subjects.
/// </summary>
[TestClass]
public sealed class NatsPermissionTests
{
    private const string PluginA = "perm-a";
    private const string PluginB = "perm-b";
    private const string Admin = "inspector";
    private static readonly Dictionary<string, string> Passwords = [];
    private static NatsServer? _server;
    private static IHost? _host;
    private static string? _configFile;

    private static NatsServer Server => _server!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        var order = new Queue<string>([NatsConfig.DefaultServiceUser, PluginA, PluginB, Admin]);
        var config = NatsConfig.Render([PluginA, PluginB], Admin, NatsConfig.DefaultServiceUser, () =>
        {
            var password = NatsConfig.NewPassword();
            Passwords[order.Dequeue()] = password;
            return password;
        });
        _configFile = Path.Combine(Path.GetTempPath(), $"storage-nats-auth-{Guid.NewGuid():N}.conf");
        await File.WriteAllTextAsync(_configFile, config);
        _server = await NatsServer.StartAsync(_configFile);
        _host = StorageHostBuilder.Create([
            .. TestHosts.Arguments(Backend.Sqlite, _server.Url),
            $"--Nats:User={NatsConfig.DefaultServiceUser}",
            $"--Nats:Password={Passwords[NatsConfig.DefaultServiceUser]}",
        ]).Build();
        await _host.StartAsync();
    }

    [ClassCleanup]
    public static async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        _server?.Dispose();
        if (_configFile is not null)
            File.Delete(_configFile);
    }

    [TestMethod]
    public void Generated_config_is_accepted_by_nats_server()
    {
        var binary = ProcessRunner.FindExecutable("nats-server")!;
        var (exitCode, output) = ProcessRunner.Run(binary, ["-c", _configFile!, "-t"]);
        Assert.AreEqual(0, exitCode, output);
    }

    [TestMethod]
    public async Task A_plugin_uses_its_own_kv_through_the_host()
    {
        await using var a = await ConnectAsync(PluginA);
        var set = await RequestAsync(a, $"db.kv.{PluginA}.set", """{"key":"k","value":42}""");
        Assert.IsTrue(set.TryGetProperty("revision", out _), set.ToString());
        var get = await RequestAsync(a, $"db.kv.{PluginA}.get", """{"key":"k"}""");
        Assert.AreEqual(42, get.GetProperty("value").GetInt32());
    }

    [TestMethod]
    public async Task Publishing_to_another_plugins_subject_is_a_permissions_violation()
    {
        await using var a = await ConnectAsync(PluginA);
        await using var b = await ConnectAsync(PluginB);
        var key = $"k{Guid.NewGuid():N}";
        await a.Connection.PublishAsync($"db.kv.{PluginB}.set", Encoding.UTF8.GetBytes($$"""{"key":"{{key}}","value":"from a"}"""));
        var error = await a.NextErrorAsync($"Publish to \"db.kv.{PluginB}.set\"");
        Assert.AreEqual(NatsServerErrorKind.PermissionsViolation, error.Kind);

        // A request to B's subject is dropped by the server, so it never gets an answer.
        await Assert.ThrowsExactlyAsync<NatsNoReplyException>(() => a.Connection.RequestAsync<byte[], byte[]>(
            $"db.row.{PluginB}.select", "{}"u8.ToArray(), replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromMilliseconds(500) }).AsTask());

        var get = await RequestAsync(b, $"db.kv.{PluginB}.get", $$"""{"key":"{{key}}"}""");
        Assert.IsFalse(get.GetProperty("exists").GetBoolean(), "A's publish reached B's storage.");
    }

    [TestMethod]
    [DataRow("db.admin.plugins")]
    [DataRow("db.admin.storage.perm-a")]
    [DataRow("db.admin.purge.perm-a")]
    [DataRow("db.migrate.perm-b")]
    [DataRow("db.sql.perm-b.query")]
    [DataRow("$SRV.STATS.storage")]
    public async Task A_plugin_cannot_publish_outside_its_subjects(string subject)
    {
        await using var a = await ConnectAsync(PluginA);
        await a.Connection.PublishAsync(subject, "{}"u8.ToArray());
        var error = await a.NextErrorAsync($"Publish to \"{subject}\"");
        Assert.AreEqual(NatsServerErrorKind.PermissionsViolation, error.Kind);
    }

    [TestMethod]
    [DataRow("db.>")]
    [DataRow("db.kv.perm-b.set")]
    [DataRow("_INBOX.>")]
    [DataRow("_INBOX.perm-b.>")]
    public async Task A_plugin_cannot_subscribe_to_requests_or_other_inboxes(string subject)
    {
        await using var a = await ConnectAsync(PluginA);
        await using var subscription = await a.Connection.SubscribeCoreAsync<byte[]>(subject);
        var error = await a.NextErrorAsync($"Subscription to \"{subject}\"");
        Assert.AreEqual(NatsServerErrorKind.PermissionsViolation, error.Kind);
    }

    [TestMethod]
    public async Task The_admin_user_can_publish_to_admin_subjects_and_ping_the_service()
    {
        await using var service = await NatsUserConnection.ConnectAsync(Server.Url, NatsConfig.DefaultServiceUser, Passwords[NatsConfig.DefaultServiceUser]);
        await using var admin = await ConnectAsync(Admin);
        // Only this subject: other tests in the class send other admin requests at the same time.
        await using var listener = await service.Connection.SubscribeCoreAsync<byte[]>("db.admin.plugins");
        await service.Connection.PingAsync();
        await admin.Connection.PublishAsync("db.admin.plugins", "{}"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var received = await listener.Msgs.ReadAsync(timeout.Token);
        Assert.AreEqual("db.admin.plugins", received.Subject);

        var ping = await admin.Connection.RequestAsync<byte[], byte[]>("$SRV.PING.storage", []);
        Assert.AreEqual("storage", JsonDocument.Parse(ping.Data!).RootElement.GetProperty("name").GetString());
    }

    [TestMethod]
    public async Task The_admin_user_inspects_a_plugin_through_the_host()
    {
        await using var a = await ConnectAsync(PluginA);
        await RequestAsync(a, $"db.kv.{PluginA}.set", """{"key":"inspected","value":1}""");
        await using var admin = await ConnectAsync(Admin);

        var storage = await RequestAsync(admin, $"db.admin.storage.{PluginA}", "{}");

        Assert.AreEqual(PluginA, storage.GetProperty("plugin").GetString(), storage.ToString());
        Assert.IsGreaterThanOrEqualTo(1, storage.GetProperty("kv_keys").GetInt64());
    }

    [TestMethod]
    public async Task A_wrong_password_is_refused()
    {
        var ex = await Assert.ThrowsAsync<NatsException>(() => NatsUserConnection.ConnectAsync(Server.Url, PluginA, "wrong"));
        Assert.Contains("Authorization", ex.ToString());
    }

    private static Task<NatsUserConnection> ConnectAsync(string user) =>
        NatsUserConnection.ConnectAsync(Server.Url, user, Passwords[user]);

    private static async Task<JsonElement> RequestAsync(NatsUserConnection connection, string subject, string json)
    {
        var reply = await connection.Connection.RequestAsync<byte[], byte[]>(subject, Encoding.UTF8.GetBytes(json));
        return JsonDocument.Parse(reply.Data!).RootElement.Clone();
    }
}
