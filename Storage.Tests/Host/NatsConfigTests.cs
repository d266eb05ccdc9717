using Storage.Host.Cli;

namespace Storage.Tests.Host;

/// <summary>The text <c>nats-config</c> renders; nats-server itself checks it in <see cref="NatsPermissionTests"/>.</summary>
[TestClass]
public sealed class NatsConfigTests
{
    [TestMethod]
    public void Each_plugin_may_publish_only_to_its_own_subjects_and_read_only_its_own_inbox()
    {
        var text = NatsConfig.Render(["quote-db"], admin: null, "storage", () => "pw");
        Assert.Contains("""publish: { allow: ["db.kv.quote-db.>", "db.row.quote-db.>", "db.sql.quote-db.>", "db.migrate.quote-db", "$SRV.PING.storage"] }""", text);
        Assert.Contains("""subscribe: { allow: ["_INBOX.quote-db.>"] }""", text);
        Assert.DoesNotContain("db.admin", text);
    }

    [TestMethod]
    public void The_service_user_only_listens_and_answers()
    {
        var text = NatsConfig.Render([], admin: null, "svc", () => "pw");
        Assert.Contains("""user: "svc" """.TrimEnd(), text);
        Assert.Contains("""publish: { deny: [">"] }""", text);
        Assert.Contains("""subscribe: { allow: ["db.>", "$SRV.>"] }""", text);
        Assert.Contains("allow_responses: true", text);
    }

    [TestMethod]
    public void Every_user_gets_its_own_generated_password()
    {
        var text = NatsConfig.Render(["a", "b"], "admin", "storage", NatsConfig.NewPassword);
        var passwords = text.Split('\n').Where(l => l.TrimStart().StartsWith("password:", StringComparison.Ordinal)).ToList();
        Assert.HasCount(4, passwords);
        Assert.HasCount(4, passwords.Distinct());
        Assert.IsTrue(passwords.All(p => p.Length > "password: \"\"".Length + 30));
    }

    [TestMethod]
    [DataRow("Bad")]
    [DataRow("with space")]
    [DataRow("a\"b")]
    public void An_invalid_plugin_id_is_refused(string plugin)
    {
        var error = Assert.ThrowsExactly<ArgumentException>(() => NatsConfig.Render([plugin], null, "storage", () => "pw"));
        Assert.Contains(plugin, error.Message);
    }

    [TestMethod]
    public void A_plugin_named_like_the_service_or_admin_user_is_refused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => NatsConfig.Render(["storage"], null, "storage", () => "pw"));
        Assert.ThrowsExactly<ArgumentException>(() => NatsConfig.Render(["inspector"], "inspector", "storage", () => "pw"));
        Assert.ThrowsExactly<ArgumentException>(() => NatsConfig.Render(["a", "a"], null, "storage", () => "pw"));
    }
}
